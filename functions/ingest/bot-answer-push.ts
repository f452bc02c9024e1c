/** An answer a bot pushes later to `POST /v1/{tenant}/answers` (bots that answer asynchronously). */
import * as z from 'zod';
import { botAnswerSchema, externalIdSchema, webConversationIdSchema } from '../../shared/events/shapes';

export const botAnswerPushSchema = z
  .object({
    conversationId: webConversationIdSchema,
    answerId: externalIdSchema(),
  })
  .extend(botAnswerSchema.omit({ id: true }).shape);
export type BotAnswerPush = z.infer<typeof botAnswerPushSchema>;
