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
    /** Set after a refusal: the whole trimmed list, on the version read. */
    let trimmed: { entries: TranscriptEntry[] | undefined; version: number } | undefined;
    for (let attempt = 1; ; attempt += 1) {
      const transcript = transcriptUpdate(remember, trimmed);
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
                  UpdateExpression: `SET outbox = :events, updatedAt = :nowMs, #version = #version + :one${transcript.set}${transcript.remove}`,
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
          // A bot pushing many answers without a user message between fills the transcript (or a
          // trim lost a race): this write trims it, as the pops that come with user messages do.
          trimmed = {
            entries: withEntries(current.transcript, [remember.entry], remember.policy, now),
            version: current.version,
          };
          await backoff(attempt);
          continue;
        }
        if (attempt >= MAX_ATTEMPTS) throw error;
        // TransactionConflict: another write on the conversation was under way.
        await backoff(attempt);
      }
    }
  }
}

/**
 * The transcript's part of the push's update. Appended, counted in `transcriptPushes`, while fewer
 * than PUSHED_ENTRIES_SLACK pushes came since the last whole write (which drops the count: a Put
 * replaces the item, and the count is no field of a conversation); or the whole list, trimmed by
 * the policy and its byte limit, on the version read. So pushes never take the item past the
 * transcript's 32 KB by more than the slack's few entries.
 */
function transcriptUpdate(
  remember: Parameters<AnswerPushes['record']>[4],
  trimmed: { entries: TranscriptEntry[] | undefined; version: number } | undefined,
): { set: string; remove: string; condition: string; values: Record<string, unknown> } {
  if (!remember) return { set: '', remove: '', condition: '', values: {} };
  if (trimmed)
    return {
      set: trimmed.entries ? ', transcript = :transcript' : '',
      remove: trimmed.entries ? ' REMOVE transcriptPushes' : ' REMOVE transcriptPushes, transcript',
      condition: ' AND #version = :read',
      values: { ...(trimmed.entries ? { ':transcript': trimmed.entries } : {}), ':read': trimmed.version },
    };
  return {
    set: ', transcript = list_append(if_not_exists(transcript, :noEntries), :entry), transcriptPushes = if_not_exists(transcriptPushes, :zero) + :one',
    remove: '',
    condition: ' AND (attribute_not_exists(transcriptPushes) OR transcriptPushes < :slack)',
    values: { ':noEntries': [], ':entry': [remember.entry], ':zero': 0, ':slack': PUSHED_ENTRIES_SLACK },
  };
}
