/** Pieces that several event contracts carry. */
import * as z from 'zod';

/** An id chosen outside (message, answer): printable ASCII without spaces, so it is safe in keys and logs. */
export const externalIdSchema = (max = 128) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7E]+$/, 'printable characters without spaces');

/** A conversation id as Baton names them (web chat ids, `wa:<number>`): safe in keys, paths and logs. */
export const conversationIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w:.-]+$/, 'letters, digits and _ : . - only');

/** A conversation id chosen by a web chat; the `wa:` namespace is WhatsApp's and not the web's to use. */
export const webConversationIdSchema = conversationIdSchema.refine(
  (id) => !id.startsWith('wa:'),
  'wa: is reserved',
);

export const conversationRefSchema = z.object({
  tenantId: z.string().min(1),
  conversationId: z.string().min(1),
});

/** What a user sent, as every channel is reduced to. */
export const userMessageSchema = z.object({
  id: z.string().min(1),
  text: z.string().optional(),
  /** A button or quick-reply payload, e.g. LIVECHAT_SESSION_START. */
  payload: z.string().optional(),
  /** The channel's own type when it is neither text nor a button (image, audio, ...). */
  unsupportedType: z.string().optional(),
  /** Web chat: the page the user is on, for URL-based routing at handover. */
  pageUrl: z.string().optional(),
  receivedAt: z.number(),
});
export type UserMessage = z.infer<typeof userMessageSchema>;

/** What a bot answered: the text for the user, and the additions that may ask for a handover. */
/** Bounded: an answer travels in an event (256 KB), is stored with the handover and sent to the desk. */
const smallRecord = <T extends z.ZodType>(value: T) =>
  z
    .record(z.string().max(64), value)
    .refine((record) => Object.keys(record).length <= 32, 'at most 32 entries');

export const botAnswerSchema = z.object({
  id: z.string().min(1),
  text: z.string().max(4096).optional(),
  outputAdditions: smallRecord(z.union([z.string().max(256), z.boolean(), z.number()])).optional(),
  metadata: smallRecord(z.string().max(256)).optional(),
});
export type BotAnswer = z.infer<typeof botAnswerSchema>;
