/**
 * WhatsApp's customer service window: a business may send a user anything within 24 hours of the
 * user's last message; after that only a template Meta approved (otherwise error 131047,
 * "Re-engagement message"). Other channels have no window. Pure.
 */
import type { Conversation } from './conversation';

export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a free-form message to the user would be refused now. A conversation from before Baton
 * kept `lastUserAt` is taken as open: Meta's own refusal is then the word.
 */
export function windowClosed(state: Pick<Conversation, 'channel' | 'lastUserAt'>, now: number): boolean {
  return (
    state.channel.type === 'whatsapp' &&
    state.lastUserAt !== undefined &&
    now - state.lastUserAt >= SERVICE_WINDOW_MS
  );
}
