/**
 * (ingest) → AnswerPushes → DynamoDB: a pushed bot answer written into its conversation's item, with
 * its id's dedupe record, in one request. Apart from ConversationStore so only ingest bundles it.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import { effectivePhase } from '../domain/conversation';
import type { Phase } from '../domain/phase';
import { PUSHED_ENTRIES_SLACK, type TranscriptEntry, withEntries } from '../domain/transcript';
import type { OutgoingEvent } from '../events/define';
import { backoff } from '../flow/backoff';
import type { AnswerPushes, PushResult } from '../ports/answer-pushes';
import type { ConversationRef, ConversationStore } from '../ports/conversation-store';
import type { MessageDedupe } from '../ports/inbox-store';
import { conversationKey, idempotencyKey, TTL_ATTRIBUTE } from './keys';

/** The phases a pushed answer may be written in (the update's condition says the same). */
const TAKES_PUSHES: readonly Phase[] = ['bot', 'presence', 'intake'];

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
    remember?: Parameters<AnswerPushes['record']>[4],
  ): Promise<PushResult> {
    const nowSeconds = toEpochSeconds(now);
    const cap = (remember?.policy.messages ?? 0) + PUSHED_ENTRIES_SLACK;
    /** Set after a read found the transcript full: the whole trimmed list, on the version read. */
    let trimmed: { entries: TranscriptEntry[] | undefined; version: number } | undefined;
    for (let attempt = 1; ; attempt += 1) {
      const transcript = transcriptUpdate(remember, cap, trimmed);
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
                  UpdateExpression: `SET outbox = :events, updatedAt = :nowMs, #version = #version + :one${transcript.set}`,
                  // Not while an agent has it (unless its lock ran out) or is being given it.
                  ConditionExpression: `attribute_exists(pk) AND #ttl > :now AND (#phase IN (:bot, :presence, :intake) OR (#phase = :agent AND handover.lockExpiresAt <= :nowMs))${transcript.condition}`,
                  ExpressionAttributeNames: {
                    '#ttl': TTL_ATTRIBUTE,
                    '#version': 'version',
                    '#phase': 'phase',
                  },
                  ExpressionAttributeValues: {
                    ...transcript.values,
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
          if (!current) return 'missing';
          if (!remember || !TAKES_PUSHES.includes(effectivePhase(current, now))) return 'live_chat';
          if (attempt >= MAX_ATTEMPTS) throw error;
          // A bot pushing many answers without a user message between fills the transcript: this
          // write trims it (the pops that trim it otherwise come with user messages).
          trimmed =
            (current.transcript?.length ?? 0) >= cap
              ? {
                  entries: withEntries(current.transcript, [remember.entry], remember.policy, now),
                  version: current.version,
                }
              : undefined;
          continue;
        }
        if (attempt >= MAX_ATTEMPTS) throw error;
        // TransactionConflict: another write on the conversation was under way.
        await backoff(attempt);
      }
    }
  }
}

/** The transcript's part of the push's update: appended (up to the cap), or replaced after a trim. */
function transcriptUpdate(
  remember: Parameters<AnswerPushes['record']>[4],
  cap: number,
  trimmed: { entries: TranscriptEntry[] | undefined; version: number } | undefined,
): { set: string; condition: string; values: Record<string, unknown> } {
  if (!remember || remember.policy.messages === 0) return { set: '', condition: '', values: {} };
  if (trimmed)
    return {
      set: trimmed.entries ? ', transcript = :transcript' : '',
      condition: ' AND #version = :read',
      values: { ...(trimmed.entries ? { ':transcript': trimmed.entries } : {}), ':read': trimmed.version },
    };
  return {
    set: ', transcript = list_append(if_not_exists(transcript, :noEntries), :entry)',
    condition: ' AND (attribute_not_exists(transcript) OR size(transcript) < :cap)',
    values: { ':noEntries': [], ':entry': [remember.entry], ':cap': cap },
  };
}
