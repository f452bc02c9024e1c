/** relay (sync bot reply) or ingest (`/answers`, async bot) → relay: one answer of the bot to deliver. */
import * as z from 'zod/mini';
import type { ChannelRef } from '../domain/conversation';
import { conversationEventMetadata, createEvent, defineEvent, type OutgoingEvent } from './define';
import { type BotAnswer, botAnswerSchema, channelRefSchema, conversationRefSchema } from './shapes';

export const BotAnswered = defineEvent(
  'BotAnswered',
  1,
  z.object({
    ...conversationRefSchema.shape,
    answer: botAnswerSchema,
    /** Web chat: the page of the message answered, for URL-based routing if the answer asks for a handover. */
    pageUrl: z.optional(z.string()),
    /** Where to deliver it, so the delivery needs no read (absent in events of earlier versions). */
    channel: z.optional(channelRefSchema),
  }),
);

/** The event for one answer; its id names the answer, so a republish is a duplicate. */
export function botAnswered(
  conversation: { tenantId: string; conversationId: string; channel: ChannelRef },
  answer: BotAnswer,
  pageUrl: string | undefined,
  now: number,
): OutgoingEvent {
  const { tenantId, conversationId, channel } = conversation;
  return createEvent(
    BotAnswered,
    conversationEventMetadata(`answer:${answer.id}`, tenantId, conversationId, now),
    {
      tenantId,
      conversationId,
      answer,
      pageUrl,
      channel,
    },
  );
}
