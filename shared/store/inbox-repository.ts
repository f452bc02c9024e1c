/**
 * (ingest, relay's drain) → InboxStore → DynamoDB: the user messages waiting on a conversation's item,
 * appended and taken one request each. Apart from ConversationStore so the functions that never touch
 * the inbox do not bundle it.
 */
import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { toEpochSeconds } from '../domain/clock';
import type { Conversation } from '../domain/conversation';
import { LIVECHAT_SESSION_START } from '../domain/handover-trigger';
import { type InboxEntry, MAX_INBOX } from '../domain/inbox';
import type { UserMessage } from '../events/shapes';
import { backoff } from './backoff';
import {
  CONVERSATION_RETENTION_SECONDS,
  type ConversationStore,
  conversationFromItem,
  INBOX_GRACE_MS,
} from './conversation-repository';
import { VersionConflictError } from './errors';
import { conversationKey, idempotencyKey, sweepShard, TTL_ATTRIBUTE } from './keys';

/** How a message's id is remembered, so a redelivered webhook is not appended twice. */
export interface MessageDedupe {
  scope: string;
  /** At least the sender's retry horizon. */
  retentionSeconds: number;
}

export type AppendResult = 'appended' | 'duplicate' | 'channel_mismatch' | 'inbox_full';

export interface InboxStore {
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
  /**
   * Takes the inbox's head for `holdMs` in one request (attempts + 1, version + 1) and returns the
   * conversation as written; undefined when there is nothing to take: the inbox is empty, another
   * drainer holds the head, the presence check is under way (only a handover request may pass), or
   * the desk is being asked to take the conversation.
   */
  takeInboxHead(
    tenantId: string,
    conversationId: string,
    now: number,
    holdMs: number,
  ): Promise<Conversation | undefined>;
}

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
            'SET inbox[0].takenUntil = :until, inbox[0].takenBy = :take, inbox[0].attempts = inbox[0].attempts + :one, updatedAt = :now ADD #version :one',
          ConditionExpression: [
            'size(inbox) > :zero',
            // Or held by this very take: the SDK sent it again after the first answer was lost. That
            // counts the attempt twice, which costs a failing message one of its tries, no more.
            '(attribute_not_exists(inbox[0].takenUntil) OR inbox[0].takenUntil <= :now OR inbox[0].takenBy = :take)',
            '(#phase <> :presence OR inbox[0].message.payload = :start)',
            '#phase <> :handingOver',
            '#ttl > :nowSeconds',
          ].join(' AND '),
          ExpressionAttributeNames: { '#version': 'version', '#phase': 'phase', '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: {
            ':until': now + holdMs,
            ':take': randomUUID(),
            ':one': 1,
            ':zero': 0,
            ':now': now,
            ':nowSeconds': toEpochSeconds(now),
            ':presence': 'presence',
            ':handingOver': 'handing_over',
            ':start': LIVECHAT_SESSION_START,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return conversationFromItem(Attributes, now);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      // An append's transaction holds the item: its drain request comes right after it.
      if (error instanceof TransactionConflictException) return undefined;
      throw error;
    }
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
