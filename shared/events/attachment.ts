/**
 * What a user message carries beyond text, typed the same for every channel: a file the channel
 * keeps (by its media id: Baton stores no bytes), a place, contact cards, a reaction to a message.
 * Bounded, since it waits in the conversation's inbox and travels to the bot and the desk.
 */
import * as z from 'zod/mini';
import { boundedString, stringUpTo } from '../validation/zod';

/** A voice note is audio recorded in the chat, told apart because desks show it differently. */
export const MEDIA_TYPES = ['image', 'audio', 'voice', 'video', 'document', 'sticker'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/**
 * A coordinate: in range, and not so small DynamoDB refuses it (its numbers stop at 1e-130; a
 * denormal from a channel is a zero): channels round to 7 decimals, about a centimetre.
 */
const between = (min: number, max: number) =>
  z.number().check(
    z.gte(min),
    z.lte(max),
    z.refine((n) => n === 0 || Math.abs(n) >= 1e-7, 'rounded to at most 7 decimals'),
  );

/** To 7 decimals (about a centimetre), as a coordinate is kept. */
export const roundCoordinate = (value: number): number => Math.round(value * 1e7) / 1e7 || 0;

export const mediaAttachmentSchema = z.object({
  type: z.enum(MEDIA_TYPES),
  /** The channel's id of the file (WhatsApp: downloadable with the tenant's token for 7 days). */
  mediaId: boundedString(1, 256),
  mimeType: boundedString(1, 255),
  caption: z.optional(stringUpTo(1024)),
  filename: z.optional(stringUpTo(255)),
});

export const attachmentSchema = z.discriminatedUnion('type', [
  mediaAttachmentSchema,
  z.object({
    type: z.literal('location'),
    latitude: between(-90, 90),
    longitude: between(-180, 180),
    name: z.optional(stringUpTo(1000)),
    address: z.optional(stringUpTo(1000)),
  }),
  z.object({
    type: z.literal('contacts'),
    contacts: z
      .array(
        z.object({
          name: stringUpTo(512),
          phones: z.array(stringUpTo(64)).check(z.maxLength(20)),
          emails: z.array(stringUpTo(320)).check(z.maxLength(20)),
        }),
      )
      .check(z.minLength(1), z.maxLength(20)),
  }),
  z.object({
    type: z.literal('reaction'),
    /** The message reacted to (one Baton sent, by the channel's id). */
    messageId: boundedString(1, 256),
    /** Absent when the user took the reaction back. */
    emoji: z.optional(boundedString(1, 32)),
  }),
]);
export type Attachment = z.infer<typeof attachmentSchema>;
export type MediaAttachment = z.infer<typeof mediaAttachmentSchema>;

export const isMedia = (attachment: Attachment): attachment is MediaAttachment =>
  (MEDIA_TYPES as readonly string[]).includes(attachment.type);

/**
 * The attachment as one line of text, for a desk or channel that takes text only: the kind, then
 * what the user wrote or named (`[image] Photo of the parcel`, `[location] Philz Coffee, 101 Forest
 * Ave (37.44222, -122.16166)`), and the file's link when there is one.
 */
export function describeAttachment(attachment: Attachment, link?: string): string {
  const parts: string[] = [`[${attachment.type}]`];
  switch (attachment.type) {
    case 'location': {
      const named = [attachment.name, attachment.address].filter(Boolean).join(', ');
      if (named) parts.push(named);
      parts.push(`(${attachment.latitude.toFixed(5)}, ${attachment.longitude.toFixed(5)})`);
      break;
    }
    case 'contacts':
      parts.push(
        attachment.contacts
          .map((contact) => [contact.name, ...contact.phones, ...contact.emails].filter(Boolean).join(' '))
          .join('; '),
      );
      break;
    case 'reaction':
      parts.push(attachment.emoji ?? '(reaction removed)');
      break;
    default:
      if (attachment.caption) parts.push(attachment.caption);
      else if (attachment.filename) parts.push(attachment.filename);
  }
  if (link) parts.push(link);
  return parts.join(' ');
}
