/**
 * What a bot answer or an agent message may carry besides text, the same for every channel: a file
 * by its URL, up to three reply buttons, or a list. Bounded as WhatsApp's Cloud API bounds them
 * (its interactive messages reference), the strictest channel: what passes here WhatsApp takes.
 */
import * as z from 'zod/mini';
import { boundedString, httpUrl } from '../validation/zod';

export const OUTBOUND_MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type OutboundMediaType = (typeof OUTBOUND_MEDIA_TYPES)[number];

/** A file WhatsApp fetches from the URL (Meta: https, a public URL; here any http(s) URL for local tests). */
export const outboundMediaSchema = z.object({
  type: z.enum(OUTBOUND_MEDIA_TYPES),
  url: httpUrl().check(z.maxLength(2048)),
  caption: z.optional(boundedString(1, 1024)),
  filename: z.optional(boundedString(1, 240)),
});
export type OutboundMedia = z.infer<typeof outboundMediaSchema>;

// Meta: ids without leading or trailing spaces.
const choiceId = (max: number) =>
  boundedString(1, max).check(z.regex(/^\S(.*\S)?$/, 'no leading or trailing spaces'));

export const replyButtonSchema = z.object({ id: choiceId(256), title: boundedString(1, 20) });

export const choiceListSchema = z
  .object({
    /** The label of the button that opens the list. */
    button: boundedString(1, 20),
    sections: z
      .array(
        z.object({
          title: z.optional(boundedString(1, 24)),
          rows: z
            .array(
              z.object({
                id: choiceId(200),
                title: boundedString(1, 24),
                description: z.optional(boundedString(1, 72)),
              }),
            )
            .check(z.minLength(1), z.maxLength(10)),
        }),
      )
      .check(z.minLength(1), z.maxLength(10)),
  })
  .check(
    z.refine(
      (list) => list.sections.flatMap((section) => section.rows).length <= 10,
      'at most 10 rows in all',
    ),
    z.refine(
      (list) => list.sections.length === 1 || list.sections.every((section) => section.title),
      'every section has a title when there are several',
    ),
  );
export type ChoiceList = z.infer<typeof choiceListSchema>;

/** The fields a message may carry besides `text`: buttons or a list, not both. */
export const richFields = {
  media: z.optional(outboundMediaSchema),
  buttons: z.optional(z.array(replyButtonSchema).check(z.minLength(1), z.maxLength(3))),
  list: z.optional(choiceListSchema),
};
export const richContentSchema = z.object(richFields);

interface RichMessage {
  text?: string | undefined;
  buttons?: unknown;
  list?: unknown;
}

/** The checks of a whole message with rich fields (zod refinements of its object). */
export const richChecks = <Message extends RichMessage>() =>
  [
    z.refine<Message>((message) => !(message.buttons && message.list), 'buttons or a list, not both'),
    // WhatsApp's interactive messages need a body: 1,024 characters with buttons, 4,096 with a list.
    z.refine<Message>(
      (message) => !(message.buttons || message.list) || Boolean(message.text),
      'buttons and lists need text',
    ),
    z.refine<Message>(
      (message) => !message.buttons || (message.text?.length ?? 0) <= 1024,
      'text of at most 1024 characters with buttons',
    ),
  ] as const;
export type RichContent = z.infer<typeof richContentSchema>;

/** Whether a message has anything to say: text, or a file. */
export const hasContent = (message: { text?: string | undefined; media?: unknown }): boolean =>
  Boolean(message.text) || message.media !== undefined;

/**
 * The message as lines of text, for a channel that shows text only (CM.com's router, a desk's
 * transcript): the text, the file as `[image] caption <url>`, each choice as `• title`.
 */
export function richAsText(message: { text?: string | undefined } & RichContent): string {
  const lines: string[] = message.text ? [message.text] : [];
  const { media, buttons, list } = message;
  if (media)
    lines.push([`[${media.type}]`, media.caption ?? media.filename, media.url].filter(Boolean).join(' '));
  for (const button of buttons ?? []) lines.push(`• ${button.title}`);
  for (const row of list?.sections.flatMap((section) => section.rows) ?? [])
    lines.push(`• ${row.title}${row.description ? ` (${row.description})` : ''}`);
  return lines.join('\n');
}
