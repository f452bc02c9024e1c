/** An answer a bot pushes later to `POST /v1/{tenant}/answers` (bots that answer asynchronously). */
import * as z from 'zod/mini';
import { botAnswerFields, conversationIdSchema, externalIdSchema } from '../../shared/events/shapes';

export const botAnswerPushSchema = z.object({
  conversationId: conversationIdSchema,
  answerId: externalIdSchema(),
  ...botAnswerFields,
});
export type BotAnswerPush = z.infer<typeof botAnswerPushSchema>;
