/** An answer a bot pushes later to `POST /v1/{tenant}/answers` (bots that answer asynchronously). */
import * as z from 'zod/mini';
import { botAnswerSchema, conversationIdSchema, externalIdSchema } from '../../shared/events/shapes';

export const botAnswerPushSchema = z.extend(
  z.object({
    conversationId: conversationIdSchema,
    answerId: externalIdSchema(),
  }),
  z.omit(botAnswerSchema, { id: true }).shape,
);
export type BotAnswerPush = z.infer<typeof botAnswerPushSchema>;
