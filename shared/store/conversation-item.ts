/** The stored shape of a conversation, parsed on every read: the table is outside the type system. */
import * as z from 'zod';
import type { Conversation } from '../domain/conversation';
import { PHASES } from '../domain/conversation';
import { ROUTES } from '../domain/routing';
import { metadataSchema } from '../events/define';
import { userMessageSchema } from '../events/shapes';

const channelSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('whatsapp'), waId: z.string(), phoneNumberId: z.string() }),
  z.object({ type: z.literal('web'), pageUrl: z.string().optional() }),
]);

const additionsSchema = z.object({
  skill: z.string().optional(),
  mscWebstore: z.string().optional(),
  mscChannel: z.string(),
});

const handoverSchema = z.object({
  id: z.string(),
  requestedAt: z.number(),
  additions: additionsSchema,
  intake: z
    .object({
      step: z.number().int(),
      answers: z.record(z.string(), z.string()),
      invalidAttempts: z.number().int(),
      lastMessageId: z.string().optional(),
    })
    .optional(),
  lockExpiresAt: z.number().optional(),
  pageUrl: z.string().optional(),
});

export const conversationItemSchema = z.object({
  tenantId: z.string(),
  conversationId: z.string(),
  channel: channelSchema,
  phase: z.enum(PHASES),
  version: z.number().int().nonnegative(),
  createdAt: z.number(),
  updatedAt: z.number(),
  agentStatus: z.enum(['online', 'offline']).optional(),
  additions: additionsSchema.optional(),
  handover: handoverSchema.optional(),
  outbox: z
    .array(
      z.object({ detailType: z.string(), detail: z.object({ metadata: metadataSchema, data: z.unknown() }) }),
    )
    .optional(),
  inbox: z
    .array(
      z.object({ message: userMessageSchema, attempts: z.number().int(), takenUntil: z.number().optional() }),
    )
    .optional(),
  deadLetters: z
    .array(
      z.object({ message: userMessageSchema, route: z.enum(ROUTES), reason: z.string(), at: z.number() }),
    )
    .optional(),
});

export function parseConversationItem(item: Record<string, unknown>): Conversation {
  return conversationItemSchema.parse(item);
}
