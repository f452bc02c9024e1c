/**
 * ChannelSender → a chat on CM.com's router, Baton as its host: a `ClientTerminated` TwoWay text
 * message through the host adapter's outbound URL. The pages captured document text messages only,
 * so buttons become lines of text under it (the user answers by typing).
 */
import { randomUUID } from 'node:crypto';
import type { ChannelRef } from '../domain/conversation';
import { type RouterChannel, type RouterLink, sendAsHost } from './cm-router';
import type { OutgoingMessage } from './outgoing-message';

export const textWithButtons = (message: OutgoingMessage): string =>
  [message.text, ...(message.buttons ?? []).map((button) => `• ${button.title}`)].join('\n');

export async function sendRouterHosted(
  link: RouterLink,
  router: RouterChannel,
  chat: Extract<ChannelRef, { type: 'router' }>,
  message: OutgoingMessage,
): Promise<void> {
  await sendAsHost(link, router, chat, [{ id: randomUUID(), text: textWithButtons(message) }]);
}
