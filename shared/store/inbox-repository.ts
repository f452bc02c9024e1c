/**
 * (ingest) → InboxStore → DynamoDB: a user message appended to the inbox on its conversation's item,
 * in one request. Apart from ConversationStore so the functions that never append do not bundle it.
 * The stream's consumer takes messages off the inbox with ordinary conversation writes.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { Conversation } from '../domain/conversation';
import { INBOX_STALL_MS, type InboxEntry, MAX_INBOX } from '../domain/inbox';
import type { UserMessage } from '../events/shapes';
import { backoff } from '../flow/backoff';
import type { ConversationStore } from '../ports/conversation-store';
import type { AppendResult, InboxStore, MessageDedupe } from '../ports/inbox-store';
import { VersionConflictError } from '../ports/version-conflict';
import { CONVERSATION_RETENTION_SECONDS } from './conversation-repository';
import { conversationKey, idempotencyKey, phaseKey, sweepShard, TTL_ATTRIBUTE } from './keys';

/** Concurrent appends to one conversation are refused while another's transaction is under way. */
const MAX_APPEND_ATTEMPTS = 20;

export class DynamoInboxStore implements InboxStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Reads and creates the conversation when an append is refused, to say why. */
    private readonly conversations: Pick<ConversationStore, 'get' | 'create'>,
    private readonly options: { retentionSeconds: number } = {
      retentionSeconds: CONVERSATION_RETENTION_SECONDS,
    },
  ) {}

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
    const current = await this.conversations.get(fresh.tenantId, fresh.conversationId, now);
    if (!current) {
      // Past its retention but not yet deleted by TTL: it starts over as a new conversation.
      try {
        await this.conversations.create(fresh, now);
      } catch (error) {
        if (!(error instanceof VersionConflictError)) throw error;
      }
      return undefined;
    }
    if (current.channel.type !== fresh.channel.type) return 'channel_mismatch';
    if ((current.inbox?.length ?? 0) >= MAX_INBOX) return 'inbox_full';
    return undefined;
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
  const entry: InboxEntry = { message };
  return {
    TransactItems: [
      {
        Put: {
          TableName: tableName,
          Item: {
            ...idempotencyKey(tenantId, conversationId, dedupe.scope, message.id),
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
            'phaseKey = if_not_exists(phaseKey, :phaseKey)',
            'createdAt = if_not_exists(createdAt, :nowMs)',
            'updatedAt = :nowMs',
            'lastUserAt = :userAt',
            '#version = if_not_exists(#version, :zero) + :one',
            'inbox = list_append(if_not_exists(inbox, :empty), :entry)',
            'sweepShard = :shard',
            'lockExpiresAt = :due',
            '#ttl = :ttl',
            // The last version's events went out with its own stream record; this one has none.
          ]
            .join(', ')
            .concat(' REMOVE outbox'),
          ConditionExpression:
            'attribute_not_exists(pk) OR (#ttl > :now AND channel.#type = :channelType AND (attribute_not_exists(inbox) OR size(inbox) < :maxInbox))',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE, '#version': 'version', '#type': 'type' },
          ExpressionAttributeValues: {
            ':tenantId': tenantId,
            ':conversationId': conversationId,
            ':channel': fresh.channel,
            ':phase': fresh.phase,
            ':phaseKey': phaseKey(tenantId, fresh.phase),
            ':nowMs': now,
            ':userAt': message.receivedAt,
            ':zero': 0,
            ':one': 1,
            ':empty': [],
            ':entry': [entry],
            ':shard': sweepShard(tenantId, conversationId),
            ':due': now + INBOX_STALL_MS,
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
