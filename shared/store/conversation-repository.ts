/** (use case) → ConversationStore → DynamoDB: one item per conversation, written only on the version read. */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import { type Conversation, stepDeadline } from '../domain/conversation';
import { holdsInbox } from '../domain/inbox';
import { parseConversationItem } from './conversation-item';
import { VersionConflictError } from './errors';
import { conversationKey, sweepShard, TTL_ATTRIBUTE } from './keys';

export interface ConversationRef {
  tenantId: string;
  conversationId: string;
}

export interface ConversationStore {
  /** The stored conversation, or undefined when never seen or past its retention. */
  get(tenantId: string, conversationId: string, now: number): Promise<Conversation | undefined>;
  /** Writes a new conversation (version 0); VersionConflictError when one already exists. */
  create(conversation: Conversation, now: number): Promise<void>;
  /** Writes `next` only if the stored version is still `next.version - 1`; else VersionConflictError. */
  save(next: Conversation, now: number): Promise<void>;
  /** Puts the conversation where the sweep finds it next (or takes it out), unless it moved on meanwhile. */
  reindex(conversation: Conversation): Promise<void>;
  /** Removes the outbox once its events are published, unless the conversation moved on meanwhile. */
  clearOutbox(conversation: Conversation): Promise<void>;
}

/**
 * A writer publishes its own outbox right after writing; a reader or the sweep takes over only an
 * outbox older than this, so the usual case publishes once.
 */
export const OUTBOX_GRACE_MS = 5_000;

/** The drain normally starts within a second of the append; after this the sweep starts it again. */
export const INBOX_GRACE_MS = 10_000;

export interface ConversationRepositoryOptions {
  /** How long an untouched conversation is kept before DynamoDB TTL may delete it. */
  retentionSeconds: number;
}

/** How long a quiet conversation is kept before DynamoDB TTL deletes it. */
export const CONVERSATION_RETENTION_SECONDS = 30 * 24 * 3600;

export class DynamoConversationStore implements ConversationStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: ConversationRepositoryOptions = {
      retentionSeconds: CONVERSATION_RETENTION_SECONDS,
    },
  ) {}

  async get(tenantId: string, conversationId: string, now: number): Promise<Conversation | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: conversationKey(tenantId, conversationId),
        ConsistentRead: true,
      }),
    );
    return conversationFromItem(Item, now);
  }

  async create(conversation: Conversation, now: number): Promise<void> {
    await this.put(conversation, now, {
      // An item past its retention may still be there (TTL deletes within days): it counts as absent.
      ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :nowSeconds',
      ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':nowSeconds': toEpochSeconds(now) },
    });
  }

  async save(next: Conversation, now: number): Promise<void> {
    await this.put(next, now, {
      ConditionExpression: 'attribute_exists(pk) AND #version = :expected',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':expected': next.version - 1 },
    });
  }

  async reindex(conversation: Conversation): Promise<void> {
    await this.updateSweepKey(conversation, conversation, '');
  }

  async clearOutbox(conversation: Conversation): Promise<void> {
    // With the outbox gone the conversation is due for the sweep only for its lock or its inbox.
    const cleared = await this.updateSweepKey(conversation, { ...conversation, outbox: undefined }, 'outbox');
    const first = conversation.outbox?.[0];
    if (cleared || !first) return;
    // The version moved. If only the inbox moved it (a message taken or delivered), the outbox is the
    // one published, and it goes; a later transition's outbox (larger, or another) stays for its writer.
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: conversationKey(conversation.tenantId, conversation.conversationId),
          UpdateExpression: 'REMOVE #outbox',
          ConditionExpression: 'size(#outbox) = :size AND #outbox[0].#detail.#metadata.#id = :first',
          ExpressionAttributeNames: {
            '#outbox': 'outbox',
            '#detail': 'detail',
            '#metadata': 'metadata',
            '#id': 'id',
          },
          ExpressionAttributeValues: {
            ':size': conversation.outbox?.length ?? 0,
            ':first': first.detail.metadata.id,
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionConflictException)
        return;
      throw error;
    }
  }

  /**
   * Removes `remove` and sets the sweep key for `after`, if the stored version is still
   * `conversation`'s; false when it is not (a newer write set its own sweep key).
   */
  private async updateSweepKey(
    conversation: Conversation,
    after: Conversation,
    remove: string,
  ): Promise<boolean> {
    const due = this.dueAt(after);
    const removed = [remove, ...(due === undefined ? ['sweepShard', 'lockExpiresAt'] : [])].filter(Boolean);
    const expression = [
      removed.length ? `REMOVE ${removed.join(', ')}` : '',
      due === undefined ? '' : 'SET sweepShard = :shard, lockExpiresAt = :due',
    ]
      .filter(Boolean)
      .join(' ');
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: conversationKey(conversation.tenantId, conversation.conversationId),
          UpdateExpression: expression,
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: {
            ':version': conversation.version,
            ...(due === undefined
              ? {}
              : { ':due': due, ':shard': sweepShard(conversation.tenantId, conversation.conversationId) }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionConflictException)
        return false;
      throw error;
    }
  }

  private async put(
    conversation: Conversation,
    now: number,
    condition: Pick<
      ConstructorParameters<typeof PutCommand>[0],
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<void> {
    // Names this write, so that when the SDK sends it again (the first answer was lost on the way
    // back) and the condition now fails on the item it wrote itself, the write still counts as done.
    const writeId = randomUUID();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.toItem(conversation, now), writeId },
          ...condition,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        if (error.Item?.writeId?.S === writeId) return;
        // The SDK returns the old item in marshalled form on this error.
        const current = error.Item ? conversationFromItem(unmarshall(error.Item), now) : undefined;
        throw new VersionConflictError(conversation.tenantId, conversation.version - 1, current, {
          cause: error,
        });
      }
      // An append's transaction held the item: as good as a lost race, read again and retry.
      if (error instanceof TransactionConflictException) {
        throw new VersionConflictError(conversation.tenantId, conversation.version - 1, undefined, {
          cause: error,
        });
      }
      throw error;
    }
  }

  private toItem(conversation: Conversation, now: number): Record<string, unknown> {
    const due = this.dueAt(conversation);
    return {
      ...conversationKey(conversation.tenantId, conversation.conversationId),
      ...conversation,
      [TTL_ATTRIBUTE]: toEpochSeconds(now) + this.options.retentionSeconds,
      // Sparse index: only conversations the sweep will have to look at carry these two attributes.
      ...(due === undefined
        ? {}
        : { sweepShard: sweepShard(conversation.tenantId, conversation.conversationId), lockExpiresAt: due }),
    };
  }

  /**
   * When the sweep must look at the conversation: its lock's end, a handover step's deadline, or its
   * outbox's or inbox's grace end.
   */
  private dueAt(conversation: Conversation): number | undefined {
    const { phase, updatedAt } = conversation;
    const due = [
      phase === 'agent' ? conversation.handover?.lockExpiresAt : undefined,
      stepDeadline(conversation),
      conversation.outbox?.length ? updatedAt + OUTBOX_GRACE_MS : undefined,
      // While presence is checked or the desk asked, messages wait on purpose: the outcome starts the drain.
      conversation.inbox?.length && !holdsInbox(phase) ? updatedAt + INBOX_GRACE_MS : undefined,
    ].filter((at): at is number => at !== undefined);
    return due.length ? Math.min(...due) : undefined;
  }
}

/** The conversation an item holds; undefined when there is none or it is past its retention (TTL deletes late). */
export function conversationFromItem(
  item: Record<string, unknown> | undefined,
  now: number,
): Conversation | undefined {
  if (!item) return undefined;
  const ttl = item[TTL_ATTRIBUTE];
  if (typeof ttl === 'number' && ttl <= toEpochSeconds(now)) return undefined;
  return parseConversationItem(item);
}
