/** Pieces that several event contracts carry. */
import * as z from 'zod';

/** An id chosen outside (message, answer): printable ASCII without spaces, so it is safe in keys and logs. */
export const externalIdSchema = (max = 128) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7E]+$/, 'printable characters without spaces');

/** A conversation id chosen by a web chat: safe in keys, paths and logs. */
export const webConversationIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\w:.-]+$/, 'letters, digits and _ : . - only');

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
export const botAnswerSchema = z.object({
  id: z.string().min(1),
  text: z.string().optional(),
  outputAdditions: z.record(z.string(), z.union([z.string(), z.boolean(), z.number()])).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});
export type BotAnswer = z.infer<typeof botAnswerSchema>;
