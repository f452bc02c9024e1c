/** (use case) → ConversationStore → DynamoDB: one item per conversation, written only on the version read. */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { Conversation } from '../domain/conversation';
import { sweepDueAt } from '../domain/sweep';
import { conversationRef } from '../log/logger';
import type { ConversationByRef, ConversationStore } from '../ports/conversation-store';
import { VersionConflictError } from '../ports/version-conflict';
import { parseConversationItem } from './conversation-item';
import { conversationKey, conversationKeyByRef, phaseKey, sweepShard, TTL_ATTRIBUTE } from './keys';

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

  get(tenantId: string, conversationId: string, now: number): Promise<Conversation | undefined> {
    return this.getByRef({ tenantId, conversationRef: conversationRef(tenantId, conversationId) }, now);
  }

  async getByRef(ref: ConversationByRef, now: number): Promise<Conversation | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: conversationKeyByRef(ref.tenantId, ref.conversationRef),
        ConsistentRead: true,
      }),
    );
    const found = conversationFromItem(Item, now);
    // A reference is a keyed hash: an item of another tenant cannot answer to it.
    return found?.tenantId === ref.tenantId ? found : undefined;
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
    const due = sweepDueAt(conversation);
    return {
      ...conversationKey(conversation.tenantId, conversation.conversationId),
      ...conversation,
      phaseKey: phaseKey(conversation.tenantId, conversation.phase),
      [TTL_ATTRIBUTE]: toEpochSeconds(now) + this.options.retentionSeconds,
      // Sparse index: only conversations the sweep will have to look at carry these two attributes.
      ...(due === undefined
        ? {}
        : { sweepShard: sweepShard(conversation.tenantId, conversation.conversationId), lockExpiresAt: due }),
    };
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
