/** (operator-api) → ConversationAdmin → DynamoDB: the phase index, and the conversation item's deletion. */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { toEpochSeconds } from '../domain/clock';
import { PHASES, type Phase } from '../domain/phase';
import type { ConversationAdmin, ConversationPage } from '../ports/conversation-admin';
import type { ConversationByRef } from '../ports/conversation-store';
import { parse } from '../validation/zod';
import { conversationKeyByRef, PHASE_INDEX, phaseKey, TTL_ATTRIBUTE } from './keys';

/** What the phase index projects (table.ts), parsed: the table is outside the type system. */
const indexedSchema = z.object({
  pk: z.string(),
  conversationId: z.string(),
  channel: z.object({ type: z.enum(['whatsapp', 'web', 'router']) }),
  phase: z.enum(PHASES),
  version: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** The reference is the key's last part: `T#<tenant>#C#<ref>`. */
const refOfKey = (pk: string): string => pk.slice(pk.lastIndexOf('#') + 1);

export class DynamoConversationAdmin implements ConversationAdmin {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async list(
    tenantId: string,
    phase: Phase,
    { limit, after }: Parameters<ConversationAdmin['list']>[2],
  ): Promise<ConversationPage> {
    const partition = phaseKey(tenantId, phase);
    const { Items = [], LastEvaluatedKey } = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: PHASE_INDEX,
        KeyConditionExpression: 'phaseKey = :phaseKey',
        ExpressionAttributeValues: { ':phaseKey': partition },
        ScanIndexForward: false,
        Limit: limit,
        ...(after
          ? {
              ExclusiveStartKey: {
                ...conversationKeyByRef(tenantId, after.conversationRef),
                phaseKey: partition,
                updatedAt: after.updatedAt,
              },
            }
          : {}),
      }),
    );
    const conversations = Items.map((item) => {
      const { pk, channel, ...summary } = parse(indexedSchema, item);
      return { ...summary, conversationRef: refOfKey(pk), channel: channel.type };
    });
    const last = conversations.at(-1);
    return {
      conversations,
      next:
        LastEvaluatedKey && last
          ? { updatedAt: last.updatedAt, conversationRef: last.conversationRef }
          : undefined,
    };
  }

  async remove(
    ref: ConversationByRef,
    version: number | undefined,
    now: number,
  ): Promise<'removed' | 'absent' | 'moved'> {
    try {
      const { Attributes } = await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: conversationKeyByRef(ref.tenantId, ref.conversationRef),
          ...(version === undefined
            ? {
                ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :nowSeconds',
                ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
                ExpressionAttributeValues: { ':nowSeconds': toEpochSeconds(now) },
              }
            : {
                ConditionExpression: '#version = :version',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':version': version },
              }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? 'removed' : 'absent';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'moved';
      throw error;
    }
  }
}
