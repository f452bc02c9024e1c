/** The web chat widget's message, as posted to `POST /v1/{tenant}/web`. */
import * as z from 'zod/mini';
import { externalIdSchema, webConversationIdSchema } from '../../shared/events/shapes';
import { httpUrl, stringUpTo } from '../../shared/validation/zod';

export const webMessageSchema = z
  .object({
    conversationId: webConversationIdSchema,
    messageId: externalIdSchema(),
    text: z.optional(stringUpTo(4096)),
    payload: z.optional(stringUpTo(256)),
    pageUrl: z.optional(httpUrl().check(z.maxLength(2048))),
  })
  .check(
    z.refine((message) => message.text !== undefined || message.payload !== undefined, {
      message: 'a message needs a text or a payload',
      path: ['text'],
    }),
  );
export type WebMessage = z.infer<typeof webMessageSchema>;
