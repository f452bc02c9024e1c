/** relay (sync bot reply) or ingest (`/answers`, async bot) → relay: one answer of the bot to deliver. */
import * as z from 'zod/mini';
import { defineEvent } from './define';
import { botAnswerSchema, channelRefSchema, conversationRefSchema } from './shapes';

export const BotAnswered = defineEvent(
  'BotAnswered',
  1,
  z.extend(conversationRefSchema, {
    answer: botAnswerSchema,
    /** Web chat: the page of the message answered, for URL-based routing if the answer asks for a handover. */
    pageUrl: z.optional(z.string()),
    /** Where to deliver it, so the delivery needs no read (absent in events of earlier versions). */
    channel: z.optional(channelRefSchema),
  }),
);
