/** An answer a bot pushes later to `POST /v1/{tenant}/answers` (bots that answer asynchronously). */
import * as z from 'zod';
import { botAnswerSchema, externalIdSchema } from '../../shared/events/shapes';

export const botAnswerPushSchema = z
  .object({
    conversationId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[\w:.-]+$/, 'letters, digits and _ : . - only'),
    answerId: externalIdSchema(),
  })
  .extend(botAnswerSchema.omit({ id: true }).shape);
export type BotAnswerPush = z.infer<typeof botAnswerPushSchema>;
