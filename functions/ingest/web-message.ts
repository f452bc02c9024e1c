/** The web chat widget's message, as posted to `POST /v1/{tenant}/web`. */
import * as z from 'zod';
import { externalIdSchema, webConversationIdSchema } from '../../shared/events/shapes';

export const webMessageSchema = z
  .object({
    conversationId: webConversationIdSchema,
    messageId: externalIdSchema(),
    text: z.string().max(4096).optional(),
    payload: z.string().max(256).optional(),
    pageUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
  })
  .refine((message) => message.text !== undefined || message.payload !== undefined, {
    message: 'a message needs a text or a payload',
    path: ['text'],
  });
export type WebMessage = z.infer<typeof webMessageSchema>;
