/**
 * The transcript a desk gets with a handover: the last messages between the user and the bot, typed,
 * with their times, redacted as they are kept. It lives in the conversation's item and changes only
 * in writes that happen anyway (the pop of a message the bot answered, a pushed answer), so it costs
 * no request of its own. Pure.
 */
import type { Attachment } from '../events/attachment';
import type { RichContent } from '../events/rich-content';
import type { BotAnswer, UserMessage } from '../events/shapes';
import type { RedactionRules } from './redaction';

export interface TranscriptEntry {
  from: 'user' | 'bot';
  at: number;
  text?: string | undefined;
  /** What the user sent beyond text (a file by its media id, a place, contact cards, a reaction). */
  attachment?: Attachment | undefined;
  /** What the bot sent beyond text: a file by its URL, reply buttons or a list. */
  rich?: RichContent | undefined;
}

export interface TranscriptPolicy {
  /** How many of the last messages are kept (0: no transcript). */
  messages: number;
  /** Entries older than this are dropped when the transcript is next written, and never sent. */
  retentionMs: number;
  redaction: RedactionRules;
}

/** A text longer than this is cut in the transcript (the item holds the last messages, not whole files). */
export const TRANSCRIPT_TEXT_MAX = 1000;

/**
 * The most the item keeps, in bytes of JSON: the item also holds the inbox, unsent messages and the
 * audit trail under DynamoDB's 400 KB, and a bot's list or file entry may weigh 4 KB.
 */
export const TRANSCRIPT_STORED_MAX_BYTES = 32 * 1024;

/** Entries a pushed answer may add before a write trims the transcript back to the policy's length. */
export const PUSHED_ENTRIES_SLACK = 10;

function cut(text: string): string {
  if (text.length <= TRANSCRIPT_TEXT_MAX) return text;
  // Not between the two halves of a surrogate pair (an emoji): that would leave an invalid string.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(TRANSCRIPT_TEXT_MAX - 2))
    ? TRANSCRIPT_TEXT_MAX - 2
    : TRANSCRIPT_TEXT_MAX - 1;
  return `${text.slice(0, end)}…`;
}

type Redact = (text: string) => string;

const optional = (text: string | undefined, redact: Redact): string | undefined =>
  text === undefined ? undefined : cut(redact(text));

function redactAttachment(attachment: Attachment, redact: Redact): Attachment {
  switch (attachment.type) {
    case 'location':
      return {
        ...attachment,
        name: optional(attachment.name, redact),
        address: optional(attachment.address, redact),
      };
    case 'contacts':
      return {
        ...attachment,
        contacts: attachment.contacts.map((contact) => ({
          name: redact(contact.name),
          phones: contact.phones.map(redact),
          emails: contact.emails.map(redact),
        })),
      };
    case 'reaction':
      return attachment;
    default:
      return {
        ...attachment,
        caption: optional(attachment.caption, redact),
        filename: optional(attachment.filename, redact),
      };
  }
}

function redactRich({ media, buttons, list }: RichContent, redact: Redact): RichContent | undefined {
  if (!media && !buttons && !list) return undefined;
  return {
    ...(media
      ? {
          media: {
            ...media,
            caption: optional(media.caption, redact),
            filename: optional(media.filename, redact),
          },
        }
      : {}),
    ...(buttons ? { buttons: buttons.map((button) => ({ ...button, title: redact(button.title) })) } : {}),
    ...(list
      ? {
          list: {
            ...list,
            sections: list.sections.map((section) => ({
              ...section,
              rows: section.rows.map((row) => ({
                ...row,
                title: redact(row.title),
                description: optional(row.description, redact),
              })),
            })),
          },
        }
      : {}),
  };
}

/** The user's message as kept; undefined for one with nothing to show (a button payload alone). */
export function userEntry(message: UserMessage, redact: Redact): TranscriptEntry | undefined {
  if (!message.text && !message.attachment) return undefined;
  return {
    from: 'user',
    at: message.receivedAt,
    ...(message.text ? { text: cut(redact(message.text)) } : {}),
    ...(message.attachment ? { attachment: redactAttachment(message.attachment, redact) } : {}),
  };
}

/** The bot's answer as kept; undefined for one the user never saw (an event, a handover request alone). */
export function botEntry(answer: BotAnswer, at: number, redact: Redact): TranscriptEntry | undefined {
  const rich = redactRich(answer, redact);
  if (!answer.text && !rich) return undefined;
  return {
    from: 'bot',
    at,
    ...(answer.text ? { text: cut(redact(answer.text)) } : {}),
    ...(rich ? { rich } : {}),
  };
}

/** The entries the policy lets a desk see at `now`: within the retention, the last `messages`. */
export function transcriptAt(
  entries: readonly TranscriptEntry[] | undefined,
  policy: Pick<TranscriptPolicy, 'messages' | 'retentionMs'>,
  now: number,
): TranscriptEntry[] {
  if (!entries || policy.messages === 0) return [];
  // By time: a pushed answer written while the bot was asked lands before the message it followed.
  return entries
    .filter((entry) => entry.at > now - policy.retentionMs)
    .sort((a, b) => a.at - b.at)
    .slice(-policy.messages);
}

/** The transcript after `added`, trimmed by the policy; undefined when nothing is left to keep. */
export function withEntries(
  entries: readonly TranscriptEntry[] | undefined,
  added: readonly TranscriptEntry[],
  policy: Pick<TranscriptPolicy, 'messages' | 'retentionMs'>,
  now: number,
): TranscriptEntry[] | undefined {
  const recent = transcriptAt([...(entries ?? []), ...added], policy, now);
  // Newest first, each entry's JSON and its comma, until the next would not fit; one too large
  // by itself (a long list of contact cards) is left out rather than taking the rest with it.
  let bytes = 2;
  const kept: TranscriptEntry[] = [];
  for (let i = recent.length - 1; i >= 0; i -= 1) {
    const entry = recent[i];
    if (!entry) continue;
    const size = Buffer.byteLength(JSON.stringify(entry), 'utf8') + 1;
    if (size + 2 > TRANSCRIPT_STORED_MAX_BYTES) continue;
    if (bytes + size > TRANSCRIPT_STORED_MAX_BYTES) break;
    bytes += size;
    kept.unshift(entry);
  }
  return kept.length ? kept : undefined;
}

/**
 * The newest entries that fit a desk's limit (`fits` measures them as that desk gets them), and how
 * many older ones were left out. A single entry too large for the desk is left out too.
 */
export function newestThatFit<Entry>(
  entries: readonly Entry[],
  fits: (entries: readonly Entry[]) => boolean,
): { entries: Entry[]; omitted: number } {
  for (let start = 0; start < entries.length; start += 1) {
    const rest = entries.slice(start);
    if (fits(rest)) return { entries: rest, omitted: start };
  }
  return { entries: [], omitted: entries.length };
}
