/** The WhatsApp Cloud API webhook body, reduced to the user messages Baton routes. */
import * as z from 'zod';
import { externalIdSchema, type UserMessage } from '../../shared/events/shapes';

const messageSchema = z.object({
  from: z.string().regex(/^\d{5,20}$/, 'a WhatsApp id of digits'),
  id: externalIdSchema(256),
  timestamp: z.string().regex(/^\d+$/),
  type: z.string().min(1),
  text: z.object({ body: z.string().max(4096) }).optional(),
  interactive: z
    .object({
      type: z.string(),
      button_reply: z.object({ id: z.string().max(256), title: z.string() }).optional(),
      list_reply: z.object({ id: z.string().max(256), title: z.string() }).optional(),
    })
    .optional(),
  button: z.object({ payload: z.string().max(256), text: z.string() }).optional(),
});

export const whatsappWebhookSchema = z.object({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.object({
      id: z.string(),
      changes: z.array(
        z.object({
          field: z.string(),
          value: z.object({
            messaging_product: z.literal('whatsapp').optional(),
            metadata: z.object({ phone_number_id: z.string().min(1) }),
            messages: z.array(messageSchema).optional(),
            // Delivery and read receipts: accepted and ignored.
            statuses: z.array(z.unknown()).optional(),
          }),
        }),
      ),
    }),
  ),
});
export type WhatsAppWebhook = z.infer<typeof whatsappWebhookSchema>;

export interface InboundWhatsAppMessage {
  waId: string;
  phoneNumberId: string;
  message: UserMessage;
}

/** Every user message of the webhook, in the order Meta listed them. */
export function whatsappMessages(webhook: WhatsAppWebhook, receivedAt: number): InboundWhatsAppMessage[] {
  return webhook.entry.flatMap((entry) =>
    entry.changes.flatMap((change) =>
      (change.value.messages ?? []).map((message) => ({
        waId: message.from,
        phoneNumberId: change.value.metadata.phone_number_id,
        message: toUserMessage(message, receivedAt),
      })),
    ),
  );
}

function toUserMessage(message: z.infer<typeof messageSchema>, receivedAt: number): UserMessage {
  const base = { id: message.id, receivedAt };
  if (message.type === 'text' && message.text) return { ...base, text: message.text.body };
  const reply = message.interactive?.button_reply ?? message.interactive?.list_reply;
  if (message.type === 'interactive' && reply) return { ...base, payload: reply.id, text: reply.title };
  if (message.type === 'button' && message.button)
    return { ...base, payload: message.button.payload, text: message.button.text };
  return { ...base, unsupportedType: message.type };
}
