/** (use case) → ConversationStore → DynamoDB: one item per conversation, written only on the version read. */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import { type Conversation, STEP_TIMEOUT_MS, stepDeadline } from '../domain/conversation';
import { deliverableHead, INBOX_STALL_MS } from '../domain/inbox';
import type { ConversationRef, ConversationStore } from '../ports/conversation-store';
import { VersionConflictError } from '../ports/version-conflict';
import { parseConversationItem } from './conversation-item';
import { conversationKey, sweepShard, TTL_ATTRIBUTE } from './keys';

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
    const due = this.dueAt(conversation);
    await this.updateOnVersion(
      conversation,
      due === undefined
        ? 'REMOVE sweepShard, lockExpiresAt'
        : 'SET sweepShard = :shard, lockExpiresAt = :due',
      due,
    );
  }

  async nudge(conversation: Conversation, now: number): Promise<boolean> {
    const due = this.dueAt({ ...conversation, nudgedAt: now, updatedAt: now });
    const set = ['nudgedAt = :now', 'updatedAt = :now', '#version = :next'];
    if (due !== undefined) set.push('sweepShard = :shard, lockExpiresAt = :due');
    // The last version's events were published from its own record.
    const remove = ['outbox', ...(due === undefined ? ['sweepShard', 'lockExpiresAt'] : [])];
    return this.updateOnVersion(conversation, `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`, due, {
      ':now': now,
      ':next': conversation.version + 1,
    });
  }

  async markDeskAsked(
    ref: ConversationRef & { handoverId: string },
    now: number,
    retakeAfterMs: number,
  ): Promise<Conversation | undefined> {
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: conversationKey(ref.tenantId, ref.conversationId),
          UpdateExpression:
            'SET handover.deskAskedAt = :now, handover.deskAskedBy = :asker, updatedAt = :now, #version = #version + :one, sweepShard = :shard, lockExpiresAt = :due REMOVE outbox',
          ConditionExpression: [
            '#phase = :handingOver AND handover.id = :handoverId AND #ttl > :nowSeconds',
            // Or marked by this very request: the SDK sent it again after its first answer was lost.
            '(attribute_not_exists(handover.deskAskedAt) OR handover.deskAskedAt <= :abandonedBefore OR handover.deskAskedBy = :asker)',
          ].join(' AND '),
          ExpressionAttributeNames: { '#version': 'version', '#phase': 'phase', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':now': now,
            ':one': 1,
            ':handingOver': 'handing_over',
            ':handoverId': ref.handoverId,
            ':asker': randomUUID(),
            ':nowSeconds': toEpochSeconds(now),
            ':abandonedBefore': now - retakeAfterMs,
            ':shard': sweepShard(ref.tenantId, ref.conversationId),
            // The step's deadline starts again: the desk has until then to take the conversation.
            ':due': now + STEP_TIMEOUT_MS.handing_over,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return conversationFromItem(Attributes, now);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionConflictException)
        return undefined;
      throw error;
    }
  }

  /**
   * Removes `remove` and sets the sweep key for `after`, if the stored version is still
   * `conversation`'s; false when it is not (a newer write set its own sweep key).
   */
  /**
   * One update of the item, if the stored version is still `conversation`'s (`:shard` and `:due`
   * are given for `due`); false when it moved on meanwhile.
   */
  private async updateOnVersion(
    conversation: Conversation,
    expression: string,
    due: number | undefined,
    values: Record<string, unknown> = {},
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: conversationKey(conversation.tenantId, conversation.conversationId),
          UpdateExpression: expression,
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: {
            ...values,
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
   * When the sweep must look at the conversation: its lock's end, a handover step's deadline, or
   * when a head that may be delivered has waited too long.
   */
  private dueAt(conversation: Conversation): number | undefined {
    const { phase, updatedAt } = conversation;
    const due = [
      phase === 'agent' ? conversation.handover?.lockExpiresAt : undefined,
      stepDeadline(conversation),
      // While presence is checked or the desk asked, messages wait on purpose: the outcome's write
      // is the record that sends them on.
      deliverableHead(conversation) ? updatedAt + INBOX_STALL_MS : undefined,
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
