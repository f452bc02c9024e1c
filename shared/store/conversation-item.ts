/** The stored shape of a conversation, parsed on every read: the table is outside the type system. */

import * as z from 'zod/mini';
import { ACTORS } from '../domain/audit';
import type { Conversation } from '../domain/conversation';
import { PHASES } from '../domain/conversation';
import { ROUTES } from '../domain/routing';
import { attachmentSchema } from '../events/attachment';
import { metadataSchema } from '../events/define';
import { richContentSchema } from '../events/rich-content';
import { botAnswerSchema, channelRefSchema, userMessageSchema } from '../events/shapes';
import { intBetween, integer, parse, stringRecord } from '../validation/zod';

const additionsSchema = z.object({
  skill: z.optional(z.string()),
  mscWebstore: z.optional(z.string()),
  mscChannel: z.string(),
});

const releaseSchema = z.object({
  summary: z.optional(z.string()),
  variables: z.optional(stringRecord(z.string())),
});

const handoverSchema = z.object({
  id: z.string(),
  requestedAt: z.number(),
  additions: additionsSchema,
  intake: z.optional(
    z.object({
      step: integer(),
      answers: stringRecord(z.string()),
      invalidAttempts: integer(),
      lastMessageId: z.optional(z.string()),
    }),
  ),
  lockExpiresAt: z.optional(z.number()),
  deskAskedAt: z.optional(z.number()),
  deskAskedBy: z.optional(z.string()),
  pageUrl: z.optional(z.string()),
  intakeTimeoutMs: z.optional(z.number()),
  pickupBy: z.optional(z.number()),
  awaitsClaim: z.optional(z.boolean()),
  waitingEveryMs: z.optional(z.number()),
  nextWaitingAt: z.optional(z.number()),
  queuePosition: z.optional(z.number()),
  release: z.optional(releaseSchema),
  agentMessageIds: z.optional(z.array(z.string())),
});

const unsentSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('agent'),
    key: z.string(),
    handoverId: z.string(),
    messageId: z.string(),
    text: z.string(),
    signOff: z.boolean(),
    rich: z.optional(richContentSchema),
  }),
  z.object({
    kind: z.literal('answer'),
    key: z.string(),
    answer: botAnswerSchema,
    pageUrl: z.optional(z.string()),
  }),
  z.object({ kind: z.literal('notice'), key: z.string(), text: z.string() }),
]);

export const conversationItemSchema = z.object({
  tenantId: z.string(),
  conversationId: z.string(),
  channel: channelRefSchema,
  phase: z.enum(PHASES),
  version: intBetween(0, Number.MAX_SAFE_INTEGER),
  createdAt: z.number(),
  updatedAt: z.number(),
  lastUserAt: z.optional(z.number()),
  agentStatus: z.optional(z.enum(['online', 'offline'])),
  deskChatId: z.optional(z.string()),
  additions: z.optional(additionsSchema),
  handover: z.optional(handoverSchema),
  outbox: z.optional(
    z.array(
      z.object({ detailType: z.string(), detail: z.object({ metadata: metadataSchema, data: z.unknown() }) }),
    ),
  ),
  inbox: z.optional(
    z.array(
      // Entries written by the drain this replaced carry attempts and holds too: dropped on read.
      z.object({ message: userMessageSchema }),
    ),
  ),
  lastRelease: z.optional(z.object({ ...releaseSchema.shape, handoverId: z.string() })),
  audit: z.optional(
    z.array(
      z.object({
        at: z.number(),
        version: z.number(),
        from: z.enum(PHASES),
        to: z.enum(PHASES),
        action: z.string(),
        actor: z.enum(ACTORS),
        cause: z.optional(z.string()),
        handoverId: z.optional(z.string()),
      }),
    ),
  ),
  transcript: z.optional(
    z.array(
      z.object({
        from: z.enum(['user', 'bot']),
        at: z.number(),
        text: z.optional(z.string()),
        attachment: z.optional(attachmentSchema),
        rich: z.optional(richContentSchema),
      }),
    ),
  ),
  nudgedAt: z.optional(z.number()),
  unsent: z.optional(z.array(unsentSchema)),
  deadLetters: z.optional(
    z.array(
      z.object({ message: userMessageSchema, route: z.enum(ROUTES), reason: z.string(), at: z.number() }),
    ),
  ),
});

export function parseConversationItem(item: Record<string, unknown>): Conversation {
  return parse(conversationItemSchema, item);
}
