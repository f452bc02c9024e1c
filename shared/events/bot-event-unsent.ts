/**
 * conveyor / hand-over → relay: a status event the bot did not take when told in place (one try):
 * the relay tells it again with the bus's retries, once per step. The status carries no personal
 * data; what the agent left for the bot, and the conversation's id, are read from the table.
 */
import * as z from 'zod/mini';
import { BOT_EVENT_NAMES } from '../clients/notifications';
import type { BotStatus } from '../flow/bot-status';
import { conversationRef } from '../log/logger';
import { nonEmptyString } from '../validation/zod';
import { conversationEventMetadata, createEvent, defineEvent, type OutgoingEvent } from './define';
import { conversationByRefSchema } from './shapes';

export const BotEventUnsent = defineEvent(
  'BotEventUnsent',
  1,
  z.object({
    ...conversationByRefSchema.shape,
    status: z.object({
      event: z.enum(BOT_EVENT_NAMES),
      handoverId: nonEmptyString(),
      agentStatus: z.optional(z.enum(['online', 'offline'])),
      payload: z.optional(z.string()),
      reason: z.optional(z.string()),
      stage: z.optional(z.string()),
      by: z.optional(z.enum(['agent', 'user', 'operator'])),
      skill: z.optional(z.string()),
      toHandoverId: z.optional(z.string()),
    }),
    /** The agent left a summary or variables: the conversation's `lastRelease` holds them. */
    released: z.optional(z.boolean()),
  }),
);

export function botEventUnsent(
  ref: { tenantId: string; conversationId: string },
  status: BotStatus,
  eventId: string,
  now: number,
): OutgoingEvent {
  const { summary, variables, ...rest } = status;
  const released = summary !== undefined || variables !== undefined;
  return createEvent(
    BotEventUnsent,
    conversationEventMetadata(`bot-event:${eventId}`, ref.tenantId, ref.conversationId, now),
    {
      tenantId: ref.tenantId,
      conversationRef: conversationRef(ref.tenantId, ref.conversationId),
      status: rest,
      ...(released ? { released } : {}),
    },
  );
}
