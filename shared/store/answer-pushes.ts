/**
 * (ingest) → AnswerPushes → DynamoDB: a pushed bot answer written into its conversation's item, with
 * its id's dedupe record, in one request. Apart from ConversationStore so only ingest bundles it.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { OutgoingEvent } from '../events/define';
import { backoff } from '../flow/backoff';
import type { AnswerPushes, PushResult } from '../ports/answer-pushes';
import type { ConversationRef, ConversationStore } from '../ports/conversation-store';
import type { MessageDedupe } from '../ports/inbox-store';
import { conversationKey, idempotencyKey, TTL_ATTRIBUTE } from './keys';

/** Concurrent writes to one conversation refuse a transaction while another's is under way. */
const MAX_ATTEMPTS = 20;

export class DynamoAnswerPushes implements AnswerPushes {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Reads the conversation when the write is refused, to say why. */
    private readonly conversations: Pick<ConversationStore, 'get'>,
  ) {}

  async record(
    ref: ConversationRef & { answerId: string },
    event: OutgoingEvent,
    dedupe: MessageDedupe,
    now: number,
  ): Promise<PushResult> {
    const nowSeconds = toEpochSeconds(now);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...idempotencyKey(ref.tenantId, ref.conversationId, dedupe.scope, ref.answerId),
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
                  TableName: this.tableName,
                  Key: conversationKey(ref.tenantId, ref.conversationId),
                  // The new version's one event; the last version's went out with its own record.
                  UpdateExpression: 'SET outbox = :events, updatedAt = :nowMs, #version = #version + :one',
                  // Not while an agent has it (unless its lock ran out) or is being given it.
                  ConditionExpression:
                    'attribute_exists(pk) AND #ttl > :now AND (#phase IN (:bot, :presence, :intake) OR (#phase = :agent AND handover.lockExpiresAt <= :nowMs))',
                  ExpressionAttributeNames: {
                    '#ttl': TTL_ATTRIBUTE,
                    '#version': 'version',
                    '#phase': 'phase',
                  },
                  ExpressionAttributeValues: {
                    ':events': [event],
                    ':nowMs': now,
                    ':one': 1,
                    ':now': nowSeconds,
                    ':bot': 'bot',
                    ':presence': 'presence',
                    ':intake': 'intake',
                    ':agent': 'agent',
                  },
                },
              },
            ],
          }),
        );
        return 'recorded';
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const [dedupeReason, conversationReason] = error.CancellationReasons ?? [];
        if (dedupeReason?.Code === 'ConditionalCheckFailed') return 'duplicate';
        if (conversationReason?.Code === 'ConditionalCheckFailed') {
          const current = await this.conversations.get(ref.tenantId, ref.conversationId, now);
          return current ? 'live_chat' : 'missing';
        }
        if (attempt >= MAX_ATTEMPTS) throw error;
        // TransactionConflict: another write on the conversation was under way.
        await backoff(attempt);
      }
    }
  }
}
