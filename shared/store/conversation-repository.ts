/** (use case) → ConversationStore → DynamoDB: one item per conversation, written only on the version read. */
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import { type Conversation, stepDeadline } from '../domain/conversation';
import { LIVECHAT_SESSION_START } from '../domain/handover-trigger';
import { type InboxEntry, MAX_INBOX } from '../domain/inbox';
import type { UserMessage } from '../events/shapes';
import { backoff } from './backoff';
import { parseConversationItem } from './conversation-item';
import { VersionConflictError } from './errors';
import {
  allSweepShards,
  conversationKey,
  EXPIRY_INDEX,
  idempotencyKey,
  sweepShard,
  TTL_ATTRIBUTE,
} from './keys';

export interface ConversationRef {
  tenantId: string;
  conversationId: string;
}

/** How a message's id is remembered, so a redelivered webhook is not appended twice. */
export interface MessageDedupe {
  scope: string;
  /** At least the sender's retry horizon. */
  retentionSeconds: number;
}

export type AppendResult = 'appended' | 'duplicate' | 'channel_mismatch' | 'inbox_full';

export interface ConversationStore {
  /** The stored conversation, or undefined when never seen or past its retention. */
  get(tenantId: string, conversationId: string, now: number): Promise<Conversation | undefined>;
  /** Writes a new conversation (version 0); VersionConflictError when one already exists. */
  create(conversation: Conversation, now: number): Promise<void>;
  /** Writes `next` only if the stored version is still `next.version - 1`; else VersionConflictError. */
  save(next: Conversation, now: number): Promise<void>;
  /**
   * Appends a user message to the conversation's inbox and remembers its id, in one transaction:
   * either both happen or neither. Creates the conversation (as `fresh`) on its first message.
   */
  appendMessage(
    fresh: Conversation,
    message: UserMessage,
    dedupe: MessageDedupe,
    now: number,
  ): Promise<AppendResult>;
  /** Puts the conversation where the sweep finds it next (or takes it out), unless it moved on meanwhile. */
  reindex(conversation: Conversation): Promise<void>;
  /**
   * Takes the inbox's head for `holdMs` in one request (attempts + 1, version + 1) and returns the
   * conversation as written; undefined when there is nothing to take: the inbox is empty, another
   * drainer holds the head, or the presence check is under way (only a handover request may pass).
   */
  takeInboxHead(
    tenantId: string,
    conversationId: string,
    now: number,
    holdMs: number,
  ): Promise<Conversation | undefined>;
  /** Removes the outbox once its events are published, unless the conversation moved on meanwhile. */
  clearOutbox(conversation: Conversation): Promise<void>;
  /**
   * Conversations due for the sweep at `now`, from the sparse index: an agent lock that ran out, an
   * outbox its writer did not get published, or an inbox nobody drained, within the grace period.
   */
  findDueForSweep(now: number, limit: number): Promise<ConversationRef[]>;
}

/**
 * A writer publishes its own outbox right after writing; a reader or the sweep takes over only an
 * outbox older than this, so the usual case publishes once.
 */
export const OUTBOX_GRACE_MS = 5_000;

/** The drain normally starts within a second of the append; after this the sweep starts it again. */
export const INBOX_GRACE_MS = 10_000;

/** Concurrent appends to one conversation are refused while another's transaction is under way. */
const MAX_APPEND_ATTEMPTS = 20;

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
    return this.fromItem(Item, now);
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

  async appendMessage(
    fresh: Conversation,
    message: UserMessage,
    dedupe: MessageDedupe,
    now: number,
  ): Promise<AppendResult> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.doc.send(
          new TransactWriteCommand(
            appendTransaction(this.tableName, fresh, message, dedupe, now, this.options.retentionSeconds),
          ),
        );
        return 'appended';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [dedupeReason, conversationReason] = error.CancellationReasons ?? [];
        if (dedupeReason?.Code === 'ConditionalCheckFailed') return 'duplicate';
        if (conversationReason?.Code === 'ConditionalCheckFailed') {
          const refused = await this.whyAppendRefused(fresh, now);
          if (refused) return refused;
        } else if (attempt >= MAX_APPEND_ATTEMPTS) {
          throw error;
        } else {
          // TransactionConflict: another write on the conversation was under way.
          await backoff(attempt);
        }
      }
    }
  }

  /** Why the conversation refused an append; undefined when it can be tried again. */
  private async whyAppendRefused(fresh: Conversation, now: number): Promise<AppendResult | undefined> {
    const current = await this.get(fresh.tenantId, fresh.conversationId, now);
    if (!current) {
      // Past its retention but not yet deleted by TTL: it starts over as a new conversation.
      try {
        await this.create(fresh, now);
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
      }
      return undefined;
    }
    if (current.channel.type !== fresh.channel.type) return 'channel_mismatch';
    if ((current.inbox?.length ?? 0) >= MAX_INBOX) return 'inbox_full';
    return undefined;
  }

  async takeInboxHead(
    tenantId: string,
    conversationId: string,
    now: number,
    holdMs: number,
  ): Promise<Conversation | undefined> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: conversationKey(tenantId, conversationId),
          UpdateExpression:
            'SET inbox[0].takenUntil = :until, inbox[0].attempts = inbox[0].attempts + :one, updatedAt = :now ADD #version :one',
          ConditionExpression: [
            'size(inbox) > :zero',
            '(attribute_not_exists(inbox[0].takenUntil) OR inbox[0].takenUntil <= :now)',
            '(#phase <> :presence OR inbox[0].message.payload = :start)',
            '#ttl > :nowSeconds',
          ].join(' AND '),
          ExpressionAttributeNames: { '#version': 'version', '#phase': 'phase', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':until': now + holdMs,
            ':one': 1,
            ':zero': 0,
            ':now': now,
            ':nowSeconds': toEpochSeconds(now),
            ':presence': 'presence',
            ':start': LIVECHAT_SESSION_START,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return this.fromItem(Attributes, now);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      // An append's transaction holds the item: its drain request comes right after it.
      if (error instanceof TransactionConflictException) return undefined;
      throw error;
    }
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

  async findDueForSweep(now: number, limit: number): Promise<ConversationRef[]> {
    const found: ConversationRef[] = [];
    for (const shard of allSweepShards()) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: EXPIRY_INDEX,
            KeyConditionExpression: 'sweepShard = :shard AND lockExpiresAt <= :now',
            ExpressionAttributeValues: { ':shard': shard, ':now': now },
            Limit: limit - found.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const { tenantId, conversationId } = item;
          if (typeof tenantId === 'string' && typeof conversationId === 'string') {
            found.push({ tenantId, conversationId });
          }
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey && found.length < limit);
      if (found.length >= limit) break;
    }
    return found;
  }

  private async put(
    conversation: Conversation,
    now: number,
    condition: Pick<
      ConstructorParameters<typeof PutCommand>[0],
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.toItem(conversation, now),
          ...condition,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        // The SDK returns the old item in marshalled form on this error.
        const current = error.Item ? this.fromItem(unmarshall(error.Item), now) : undefined;
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
      // While presence is checked messages wait on purpose: the check's outcome starts the drain.
      conversation.inbox?.length && phase !== 'presence' ? updatedAt + INBOX_GRACE_MS : undefined,
    ].filter((at): at is number => at !== undefined);
    return due.length ? Math.min(...due) : undefined;
  }

  private fromItem(item: Record<string, unknown> | undefined, now: number): Conversation | undefined {
    if (!item) return undefined;
    const ttl = item[TTL_ATTRIBUTE];
    if (typeof ttl === 'number' && ttl <= toEpochSeconds(now)) return undefined;
    return parseConversationItem(item);
  }
}

/**
 * The one request that appends a user message: the message id's dedupe record and the message at
 * the end of the inbox (the first message creates the conversation), both or neither. Exported so
 * the benchmark can send the very same request without Baton around it.
 */
export function appendTransaction(
  tableName: string,
  fresh: Conversation,
  message: UserMessage,
  dedupe: MessageDedupe,
  now: number,
  retentionSeconds: number,
): TransactWriteCommandInput {
  const { tenantId, conversationId } = fresh;
  const nowSeconds = toEpochSeconds(now);
  const entry: InboxEntry = { message, attempts: 0 };
  return {
    TransactItems: [
      {
        Put: {
          TableName: tableName,
          Item: {
            ...idempotencyKey(tenantId, dedupe.scope, `${conversationId}#${message.id}`),
            status: 'completed',
            [TTL_ATTRIBUTE]: nowSeconds + dedupe.retentionSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': nowSeconds },
        },
      },
      {
        Update: {
          TableName: tableName,
          Key: conversationKey(tenantId, conversationId),
          // The first message creates the conversation: every field is set only where absent.
          UpdateExpression: [
            'SET tenantId = if_not_exists(tenantId, :tenantId)',
            'conversationId = if_not_exists(conversationId, :conversationId)',
            'channel = if_not_exists(channel, :channel)',
            'phase = if_not_exists(phase, :phase)',
            'createdAt = if_not_exists(createdAt, :nowMs)',
            'updatedAt = :nowMs',
            '#version = if_not_exists(#version, :zero) + :one',
            'inbox = list_append(if_not_exists(inbox, :empty), :entry)',
            'sweepShard = :shard',
            'lockExpiresAt = :due',
            '#ttl = :ttl',
          ].join(', '),
          ConditionExpression:
            'attribute_not_exists(pk) OR (#ttl > :now AND channel.#type = :channelType AND (attribute_not_exists(inbox) OR size(inbox) < :maxInbox))',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#version': 'version', '#type': 'type' },
          ExpressionAttributeValues: {
            ':tenantId': tenantId,
            ':conversationId': conversationId,
            ':channel': fresh.channel,
            ':phase': fresh.phase,
            ':nowMs': now,
            ':zero': 0,
            ':one': 1,
            ':empty': [],
            ':entry': [entry],
            ':shard': sweepShard(tenantId, conversationId),
            ':due': now + INBOX_GRACE_MS,
            ':ttl': nowSeconds + retentionSeconds,
            ':now': nowSeconds,
            ':channelType': fresh.channel.type,
            ':maxInbox': MAX_INBOX,
          },
        },
      },
    ],
  };
}
