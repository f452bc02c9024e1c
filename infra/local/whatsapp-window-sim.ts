/**
 * WhatsApp's customer service window as Meta applies it: a business may send anything for 24 hours
 * after the user's last message to its number, a template only after that (or before the user ever
 * wrote). Meta accepts such a message (200) and then fails it with error 131047 ("Re-engagement
 * message") in a status webhook. The simulator learns of the user's messages from the webhooks
 * Meta delivers (everything posted to Baton's WhatsApp route locally stands in for Meta).
 */
import * as z from 'zod';

export const WINDOW_MS = 24 * 60 * 60 * 1000;

/** Meta's error for a free-form message outside the window. */
export const REENGAGEMENT_ERROR = {
  code: 131047,
  title: 'Re-engagement message',
  message: 'Re-engagement message',
} as const;

const inboundWebhook = z.object({
  entry: z.array(
    z.object({
      changes: z.array(
        z.object({
          value: z.object({
            metadata: z.object({ phone_number_id: z.string() }),
            messages: z.array(z.object({ from: z.string() })).optional(),
          }),
        }),
      ),
    }),
  ),
});

export class WhatsAppWindows {
  /** When each user last wrote to each number: `<phone_number_id> <wa_id>` → epoch ms. */
  private readonly lastWrote = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** A webhook Meta delivered: each user message in it opens (or keeps open) that user's window. */
  heard(body: unknown): void {
    const parsed = inboundWebhook.safeParse(body);
    if (!parsed.success) return;
    for (const change of parsed.data.entry.flatMap((entry) => entry.changes))
      for (const message of change.value.messages ?? [])
        this.lastWrote.set(`${change.value.metadata.phone_number_id} ${message.from}`, this.now());
  }

  isOpen(phoneNumberId: string, to: string): boolean {
    const wrote = this.lastWrote.get(`${phoneNumberId} ${to}`);
    return wrote !== undefined && this.now() - wrote < WINDOW_MS;
  }

  reset(): void {
    this.lastWrote.clear();
  }
}
