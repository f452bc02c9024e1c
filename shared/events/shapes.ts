/** Pieces that several event contracts carry. */
import * as z from 'zod/mini';
import { boundedString, nonEmptyString, stringRecord, stringUpTo } from '../validation/zod';
import { attachmentSchema } from './attachment';
import { richChecks, richFields } from './rich-content';

/** An id chosen outside (message, answer): printable ASCII without spaces, so it is safe in keys and logs. */
export const externalIdSchema = (max = 128) =>
  boundedString(1, max).check(z.regex(/^[\x21-\x7E]+$/, 'printable characters without spaces'));

/** A conversation id as Baton names them (web chat ids, `wa:<number>`): safe in keys, paths and logs. */
export const conversationIdSchema = boundedString(1, 128).check(
  z.regex(/^[\w:.-]+$/, 'letters, digits and _ : . - only'),
);

/** A conversation id chosen by a web chat; `wa:` (WhatsApp) and `cm:` (CM.com's router) are not the web's to use. */
export const webConversationIdSchema = conversationIdSchema.check(
  z.refine((id) => !/^(wa|cm):/.test(id), 'wa: and cm: are reserved'),
);

/** A conversation by its id: for what stays in the conversation's own item (a pushed answer). */
export const conversationRefSchema = z.object({
  tenantId: nonEmptyString(),
  conversationId: nonEmptyString(),
});

/**
 * A conversation as every event on the bus names it: by its keyed reference (conversationRef), never
 * its id (a WhatsApp id is a phone number). A consumer reads what else it needs from the table.
 */
export const conversationByRefSchema = z.object({
  tenantId: nonEmptyString(),
  conversationRef: nonEmptyString(),
});

/** Where a conversation's user is reached: the channel it came from. */
export const channelRefSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('whatsapp'), waId: z.string(), phoneNumberId: z.string() }),
  z.object({ type: z.literal('web'), pageUrl: z.optional(z.string()) }),
  z.object({
    type: z.literal('router'),
    chatId: z.string(),
    channel: z.string(),
    clientId: z.string(),
    hostId: z.string(),
  }),
]);

/** What a user sent, as every channel is reduced to. */
export const userMessageSchema = z.object({
  id: nonEmptyString(),
  text: z.optional(z.string()),
  /** A button or quick-reply payload, e.g. LIVECHAT_SESSION_START. */
  payload: z.optional(z.string()),
  /** A file, place, contact cards or reaction (shared/events/attachment.ts); a caption is its own. */
  attachment: z.optional(attachmentSchema),
  /** The channel's own type when Baton does not read it (a poll, an edit, an unknown type). */
  unsupportedType: z.optional(z.string()),
  /** Web chat: the page the user is on, for URL-based routing at handover. */
  pageUrl: z.optional(z.string()),
  receivedAt: z.number(),
});
export type UserMessage = z.infer<typeof userMessageSchema>;

/** Bounded: an answer travels in an event (256 KB), is stored with the handover and sent to the desk. */
const atMost32 = z.refine<Record<string, unknown>>((record) => {
  const keys = Object.keys(record);
  return keys.length <= 32 && keys.every((key) => key.length <= 64);
}, 'at most 32 entries, names of at most 64 characters');

/** An answer's fields but its id, which a bot's reply leaves out (Baton numbers them). */
export const botAnswerFields = {
  text: z.optional(stringUpTo(4096)),
  // 256 characters a value; `customerInfo`, the slots a bot-run prechat dialog captured (a JSON
  // object in a string), up to 1024.
  outputAdditions: z.optional(
    z
      .catchall(
        z.object({ customerInfo: z.optional(stringUpTo(1024)) }),
        z.union([stringUpTo(256), z.boolean(), z.number()]),
      )
      .check(atMost32),
  ),
  metadata: z.optional(stringRecord(stringUpTo(256)).check(atMost32)),
  /** A file by its URL, reply buttons or a list (shared/events/rich-content.ts). */
  ...richFields,
};

export const botAnswerSchema = z
  .object({ id: nonEmptyString(), ...botAnswerFields })
  .check(...richChecks<{ text?: string | undefined; buttons?: unknown; list?: unknown }>());
export type BotAnswer = z.infer<typeof botAnswerSchema>;
