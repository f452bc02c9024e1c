/** The WhatsApp Cloud API webhook body, reduced to the user messages Baton routes. */
import * as z from 'zod/mini';
import { externalIdSchema, type UserMessage } from '../../shared/events/shapes';
import { nonEmptyString, stringUpTo } from '../../shared/validation/zod';

const replySchema = z.object({ id: stringUpTo(256), title: z.string() });

const messageSchema = z.object({
  from: z.string().check(z.regex(/^\d{5,20}$/, 'a WhatsApp id of digits')),
  id: externalIdSchema(256),
  timestamp: z.string().check(z.regex(/^\d{1,12}$/, 'Unix seconds')),
  type: nonEmptyString(),
  text: z.optional(z.object({ body: stringUpTo(4096) })),
  interactive: z.optional(
    z.object({
      type: z.string(),
      button_reply: z.optional(replySchema),
      list_reply: z.optional(replySchema),
    }),
  ),
  button: z.optional(z.object({ payload: stringUpTo(256), text: z.string() })),
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
            messaging_product: z.optional(z.literal('whatsapp')),
            metadata: z.object({ phone_number_id: nonEmptyString() }),
            messages: z.optional(z.array(messageSchema)),
            // Delivery and read receipts: accepted and ignored.
            statuses: z.optional(z.array(z.unknown())),
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
  /** When the user sent it, by Meta (Unix seconds). */
  sentAt: number;
  message: UserMessage;
}

/**
 * Meta retries an unacknowledged webhook for up to 7 days. A message sent longer ago is a replay of
 * a captured request, whose id may be forgotten already (message ids are kept 8 days).
 */
export const WHATSAPP_MAX_AGE_SECONDS = 7 * 24 * 3600;
/** Meta's clock may run ahead of ours by this much. */
const AHEAD_SECONDS = 300;

/** Whether a message Meta says was sent at `sentAt` can come from Meta now (real time, not Baton's clock). */
export const withinRetryWindow = (sentAt: number, nowMs: number): boolean =>
  sentAt >= nowMs / 1000 - WHATSAPP_MAX_AGE_SECONDS && sentAt <= nowMs / 1000 + AHEAD_SECONDS;

/** Every number the webhook is about (messages and statuses alike), once each. */
export function phoneNumberIdsOf(webhook: WhatsAppWebhook): string[] {
  const numbers = webhook.entry.flatMap((entry) =>
    entry.changes.map((change) => change.value.metadata.phone_number_id),
  );
  return [...new Set(numbers)];
}

/** Every user message of the webhook, in the order Meta listed them. */
export function whatsappMessages(webhook: WhatsAppWebhook, receivedAt: number): InboundWhatsAppMessage[] {
  return webhook.entry.flatMap((entry) =>
    entry.changes.flatMap((change) =>
      (change.value.messages ?? []).map((message) => ({
        waId: message.from,
        phoneNumberId: change.value.metadata.phone_number_id,
        sentAt: Number(message.timestamp),
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
