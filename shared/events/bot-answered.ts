/** relay (sync bot reply) or ingest (`/answers`, async bot) → relay: one answer of the bot to deliver. */
import { defineEvent } from './define';
import { botAnswerSchema, conversationRefSchema } from './shapes';

export const BotAnswered = defineEvent(
  'BotAnswered',
  1,
  conversationRefSchema.extend({ answer: botAnswerSchema }),
);
