/**
 * conveyor (an answer it could not send itself) → relay: one answer of the bot to deliver, with
 * retries; and the answer a bot pushed, which the conveyor delivers from its record (AnswerPushed).
 */
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

/**
 * ingest (`/answers`) → the conveyor, in the conversation's own write: a pushed answer, delivered from
 * that write's record, in order with the handover notices of the records around it. Never put on the
 * bus (it carries the text; the conveyor delivers it).
 */
export const AnswerPushed = defineEvent(
  'AnswerPushed',
  1,
  // The channel is the item's: the consumer delivers from it.
  z.object({ ...conversationRefSchema.shape, answer: botAnswerSchema }),
);

export function answerPushed(
  ref: { tenantId: string; conversationId: string },
  answer: BotAnswer,
  now: number,
): OutgoingEvent {
  const { tenantId, conversationId } = ref;
  return createEvent(
    AnswerPushed,
    conversationEventMetadata(`pushed:${answer.id}`, tenantId, conversationId, now),
    { tenantId, conversationId, answer },
  );
}
