/** (use case) → ConversationStore → DynamoDB: one item per conversation, written only on the version read. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { Conversation } from '../domain/conversation';
import { parseConversationItem } from './conversation-item';
import { VersionConflictError } from './errors';
import { allSweepShards, conversationKey, EXPIRY_INDEX, sweepShard, TTL_ATTRIBUTE } from './keys';

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
  /** Removes the outbox once its events are published, unless the conversation moved on meanwhile. */
  clearOutbox(conversation: Conversation): Promise<void>;
  /**
   * Conversations due for the sweep at `now`, from the sparse index: an agent lock that ran out, or
   * an outbox its writer did not get published within the grace period.
   */
  findDueForSweep(now: number, limit: number): Promise<ConversationRef[]>;
}

/**
 * A writer publishes its own outbox right after writing; a reader or the sweep takes over only an
 * outbox older than this, so the usual case publishes once.
 */
export const OUTBOX_GRACE_MS = 5_000;

export interface ConversationRepositoryOptions {
  /** How long an untouched conversation is kept before DynamoDB TTL may delete it. */
  retentionSeconds: number;
}

export class DynamoConversationStore implements ConversationStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: ConversationRepositoryOptions = { retentionSeconds: 30 * 24 * 3600 },
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

  async clearOutbox(conversation: Conversation): Promise<void> {
    // With the outbox gone the conversation is due for the sweep only when its lock runs out.
    const lock = this.dueAt({ ...conversation, outbox: undefined });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: conversationKey(conversation.tenantId, conversation.conversationId),
          UpdateExpression:
            lock === undefined
              ? 'REMOVE outbox, sweepShard, lockExpiresAt'
              : 'REMOVE outbox SET lockExpiresAt = :due',
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: {
            ':version': conversation.version,
            ...(lock === undefined ? {} : { ':due': lock }),
          },
        }),
      );
    } catch (error) {
      // A newer transition replaced the outbox already: nothing of ours is left to clear.
      if (error instanceof ConditionalCheckFailedException) return;
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

  /** When the sweep must look at the conversation: its lock's end, or its outbox's grace end. */
  private dueAt(conversation: Conversation): number | undefined {
    const lock = conversation.phase === 'agent' ? conversation.handover?.lockExpiresAt : undefined;
    const outbox = conversation.outbox?.length ? conversation.updatedAt + OUTBOX_GRACE_MS : undefined;
    if (lock === undefined) return outbox;
    return outbox === undefined ? lock : Math.min(lock, outbox);
  }

  private fromItem(item: Record<string, unknown> | undefined, now: number): Conversation | undefined {
    if (!item) return undefined;
    const ttl = item[TTL_ATTRIBUTE];
    if (typeof ttl === 'number' && ttl <= toEpochSeconds(now)) return undefined;
    return parseConversationItem(item);
  }
}
