/**
 * ChannelSender → a chat on CM.com's router, Baton as its host: a `ClientTerminated` TwoWay text
 * message through the host adapter's outbound URL. The pages captured document text messages only,
 * so a file becomes a line with its link and buttons or list rows lines of text (the user types).
 */
import { randomUUID } from 'node:crypto';
import type { ChannelRef } from '../domain/conversation';
import { richAsText } from '../events/rich-content';
import { type RouterChannel, type RouterLink, sendAsHost } from './cm-router';
import type { OutgoingMessage } from './outgoing-message';

/** The message as text: its file as a line with its link, each button and list row a line under it. */
export const textWithButtons = (message: OutgoingMessage): string =>
  richAsText({
    text: message.text,
    media: message.media,
    buttons: message.buttons?.map((button) => ({ id: button.payload, title: button.title })),
    list: message.list,
  });

export async function sendRouterHosted(
  link: RouterLink,
  router: RouterChannel,
  chat: Extract<ChannelRef, { type: 'router' }>,
  message: OutgoingMessage,
): Promise<void> {
  await sendAsHost(link, router, chat, [{ id: randomUUID(), text: textWithButtons(message) }]);
}
