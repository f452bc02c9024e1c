/** The WhatsApp Cloud API webhook body, reduced to the user messages Baton routes. */
import * as z from 'zod/mini';
import { attachmentSchema, roundCoordinate } from '../../shared/events/attachment';
import { DELIVERY_STATUSES, type DeliveryStatus, fromTracking } from '../../shared/events/delivery-status';
import { externalIdSchema, type UserMessage } from '../../shared/events/shapes';
import { nonEmptyString, safeParse, stringUpTo } from '../../shared/validation/zod';

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
  // Read per type below: a shape Baton does not know makes the message unsupported, not the body a 400.
  image: z.optional(z.unknown()),
  audio: z.optional(z.unknown()),
  video: z.optional(z.unknown()),
  document: z.optional(z.unknown()),
  sticker: z.optional(z.unknown()),
  location: z.optional(z.unknown()),
  contacts: z.optional(z.unknown()),
  reaction: z.optional(z.unknown()),
});

/** Meta's media object of an inbound message (image, audio, video, document, sticker). */
const inboundMediaSchema = z.object({
  id: nonEmptyString(),
  mime_type: nonEmptyString(),
  caption: z.optional(z.string()),
  filename: z.optional(z.string()),
  /** Audio recorded in the chat (a voice note). */
  voice: z.optional(z.boolean()),
});
const inboundLocationSchema = z.object({
  latitude: z.number(),
  longitude: z.number(),
  name: z.optional(z.string()),
  address: z.optional(z.string()),
});
const inboundContactsSchema = z.array(
  z.object({
    name: z.object({ formatted_name: z.string() }),
    phones: z.optional(z.array(z.object({ phone: z.optional(z.string()) }))),
    emails: z.optional(z.array(z.object({ email: z.optional(z.string()) }))),
  }),
);
const inboundReactionSchema = z.object({ message_id: nonEmptyString(), emoji: z.optional(z.string()) });

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
            // Read one by one (trackedStatuses): a status Baton cannot read is ignored, never a 400.
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

/** Meta's status of a message the business sent (its status webhook reference). */
const statusSchema = z.object({
  id: nonEmptyString(),
  status: z.enum(DELIVERY_STATUSES),
  timestamp: z.string().check(z.regex(/^\d{1,12}$/)),
  recipient_id: externalIdSchema(64),
  biz_opaque_callback_data: z.optional(stringUpTo(512)),
  errors: z.optional(z.array(z.object({ code: z.number(), title: z.optional(z.string()) }))),
});

export interface TrackedStatus {
  waId: string;
  phoneNumberId: string;
  /** WhatsApp's id of the message. */
  channelMessageId: string;
  handoverId: string;
  messageId: string;
  status: DeliveryStatus;
  /** Epoch ms. */
  at: number;
  error?: { code: number; title: string } | undefined;
}

/**
 * The statuses of messages Baton tracked (an agent's, sent with `biz_opaque_callback_data`), in
 * Meta's order; any other status (a bot answer's, one Baton cannot read) is left out.
 */
export function trackedStatuses(webhook: WhatsAppWebhook): TrackedStatus[] {
  return webhook.entry.flatMap((entry) =>
    entry.changes.flatMap((change) =>
      (change.value.statuses ?? []).flatMap((raw) => {
        const parsed = safeParse(statusSchema, raw);
        const tracked = parsed.success ? fromTracking(parsed.data.biz_opaque_callback_data) : undefined;
        if (!parsed.success || !tracked) return [];
        const { id, status, timestamp, recipient_id, errors } = parsed.data;
        const [error] = errors ?? [];
        return [
          {
            waId: recipient_id,
            phoneNumberId: change.value.metadata.phone_number_id,
            channelMessageId: id,
            ...tracked,
            status,
            at: Number(timestamp) * 1000,
            error: error ? { code: error.code, title: (error.title ?? '').slice(0, 256) } : undefined,
          },
        ];
      }),
    ),
  );
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
  // Checked against the shared shape too: its bounds hold for what waits in the inbox.
  const attachment = safeParse(attachmentSchema, attachmentOf(message));
  if (attachment.success) return { ...base, attachment: attachment.data };
  return { ...base, unsupportedType: message.type };
}

/** The typed attachment of a WhatsApp message, as Meta's webhook reference shapes each type. */
function attachmentOf(message: z.infer<typeof messageSchema>): unknown {
  switch (message.type) {
    case 'image':
    case 'audio':
    case 'video':
    case 'document':
    case 'sticker': {
      const media = safeParse(inboundMediaSchema, message[message.type]);
      if (!media.success) return undefined;
      const { id, mime_type, caption, filename, voice } = media.data;
      return {
        type: message.type === 'audio' && voice ? 'voice' : message.type,
        mediaId: id,
        mimeType: mime_type,
        caption,
        filename,
      };
    }
    case 'location': {
      const location = safeParse(inboundLocationSchema, message.location);
      if (!location.success) return undefined;
      const { latitude, longitude } = location.data;
      return {
        type: 'location',
        ...location.data,
        latitude: roundCoordinate(latitude),
        longitude: roundCoordinate(longitude),
      };
    }
    case 'contacts': {
      const contacts = safeParse(inboundContactsSchema, message.contacts);
      if (!contacts.success) return undefined;
      return {
        type: 'contacts',
        contacts: contacts.data.map((contact) => ({
          name: contact.name.formatted_name,
          phones: (contact.phones ?? []).flatMap((entry) => (entry.phone ? [entry.phone] : [])),
          emails: (contact.emails ?? []).flatMap((entry) => (entry.email ? [entry.email] : [])),
        })),
      };
    }
    case 'reaction': {
      const reaction = safeParse(inboundReactionSchema, message.reaction);
      if (!reaction.success) return undefined;
      // An empty emoji: the user took the reaction back.
      return {
        type: 'reaction',
        messageId: reaction.data.message_id,
        emoji: reaction.data.emoji || undefined,
      };
    }
    default:
      return undefined;
  }
}
