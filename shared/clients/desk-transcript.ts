/**
 * The transcript in the shape each desk takes, within its size limit (the tenant's `desk.transcriptMaxBytes`):
 * a webhook desk gets typed entries in the handover's JSON, MSC one text message of lines. The
 * oldest entries give way first; the desk learns how many were left out.
 */

import type { TranscriptEntry } from '../domain/transcript';
import { newestThatFit } from '../domain/transcript';
import { describeAttachment } from '../events/attachment';
import { richAsText } from '../events/rich-content';
import type { SentAttachment } from '../media/sent-attachment';

/** An entry as a desk is sent it: a user's file with its link when the desk takes links. */
export type DeskTranscriptEntry = Omit<TranscriptEntry, 'attachment'> & {
  attachment?: SentAttachment | undefined;
};

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** The webhook desk's `transcript`: `{from, at (ISO 8601), text?, attachment?, media?, buttons?, list?}`. */
export function webhookTranscript(
  entries: readonly DeskTranscriptEntry[],
  maxBytes: number,
): { transcript: Record<string, unknown>[]; transcriptOmitted: number } {
  const shaped = entries.map(({ from, at, text, attachment, rich }) => ({
    from,
    at: new Date(at).toISOString(),
    ...(text === undefined ? {} : { text }),
    ...(attachment ? { attachment } : {}),
    ...rich,
  }));
  const fitted = newestThatFit(shaped, (kept) => bytesOf(kept) <= maxBytes);
  return { transcript: fitted.entries, transcriptOmitted: fitted.omitted };
}

export const TRANSCRIPT_HEADING = 'Before the handover, with the bot (times UTC):';

const lineOf = ({ from, at, text, attachment, rich }: DeskTranscriptEntry): string => {
  const said =
    from === 'user'
      ? [text, attachment && describeAttachment(attachment, attachment.url)].filter(Boolean).join('\n')
      : richAsText({ text, ...rich });
  const time = new Date(at).toISOString().slice(0, 16).replace('T', ' ');
  return `${time} ${from === 'user' ? 'Customer' : 'Bot'}: ${said}`;
};

/** The transcript as one text (MSC): a heading, then a line per message; undefined when there is none. */
export function transcriptText(
  entries: readonly DeskTranscriptEntry[],
  maxBytes: number,
): string | undefined {
  const render = (kept: readonly DeskTranscriptEntry[], omitted: number): string =>
    [
      TRANSCRIPT_HEADING,
      ...(omitted ? [`(${omitted} earlier message${omitted === 1 ? '' : 's'} left out)`] : []),
      ...kept.map(lineOf),
    ].join('\n');
  // The note of what was left out counts towards the limit too.
  const fitted = newestThatFit(
    entries,
    (kept) => Buffer.byteLength(render(kept, entries.length - kept.length), 'utf8') <= maxBytes,
  );
  return fitted.entries.length ? render(fitted.entries, fitted.omitted) : undefined;
}
