/** An answer a bot pushes later to `POST /v1/{tenant}/answers` (bots that answer asynchronously). */
import * as z from 'zod/mini';
import { richChecks } from '../../shared/events/rich-content';
import { botAnswerFields, conversationIdSchema, externalIdSchema } from '../../shared/events/shapes';

export const botAnswerPushSchema = z
  .object({
    conversationId: conversationIdSchema,
    answerId: externalIdSchema(),
    ...botAnswerFields,
  })
  .check(...richChecks<{ text?: string | undefined; buttons?: unknown; list?: unknown }>());
export type BotAnswerPush = z.infer<typeof botAnswerPushSchema>;
