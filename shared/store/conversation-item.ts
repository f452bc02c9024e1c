/** The stored shape of a conversation, parsed on every read: the table is outside the type system. */
import * as z from 'zod';
import type { Conversation } from '../domain/conversation';
import { PHASES } from '../domain/conversation';

const channelSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('whatsapp'), waId: z.string(), phoneNumberId: z.string() }),
  z.object({ type: z.literal('web'), pageUrl: z.string().optional() }),
]);

const handoverSchema = z.object({
  id: z.string(),
  requestedAt: z.number(),
  additions: z.object({
    skill: z.string().optional(),
    mscWebstore: z.string().optional(),
    mscChannel: z.string(),
  }),
  agentStatus: z.enum(['online', 'offline']).optional(),
  intake: z
    .object({
      step: z.number().int(),
      answers: z.record(z.string(), z.string()),
      invalidAttempts: z.number().int(),
    })
    .optional(),
  lockExpiresAt: z.number().optional(),
});

export const conversationItemSchema = z.object({
  tenantId: z.string(),
  conversationId: z.string(),
  channel: channelSchema,
  phase: z.enum(PHASES),
  version: z.number().int().nonnegative(),
  createdAt: z.number(),
  updatedAt: z.number(),
  handover: handoverSchema.optional(),
});

export function parseConversationItem(item: Record<string, unknown>): Conversation {
  return conversationItemSchema.parse(item);
}
