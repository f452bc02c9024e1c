/**
 * A TwoWay request from CM.com's router to the adapter Baton hosts → the user's messages, in order.
 * Only `ClientOriginated` messages are the user's; a type other than text arrives as that type
 * (the bot and desk see `[type]`, as for a WhatsApp image). The message id is the router's, else one
 * from when and where the message sits, so a request offered again is the same messages.
 */
import { randomUUID } from 'node:crypto';
import type { ChannelRef } from '../../shared/domain/conversation';
import type { UserMessage } from '../../shared/events/shapes';
import type { TwoWay } from '../../shared/http/twoway-format';

export function routerUserMessages(
  twoWay: TwoWay,
  receivedAt: number,
): { channel: Extract<ChannelRef, { type: 'router' }>; messages: UserMessage[] } {
  const { chat } = twoWay;
  const messages = twoWay.conversationMessages.flatMap((message, index): UserMessage[] => {
    if (message.direction !== 'ClientOriginated') return [];
    // Without either, a request offered again cannot be told from a new one: better twice than lost.
    const place = message.createdOn ? `${chat.id}:${message.createdOn}:${index}` : randomUUID();
    const id = `twoway:${message.id ?? place}`;
    if (message.$type === 'text' && message.text) return [{ id, text: message.text, receivedAt }];
    return [{ id, unsupportedType: message.$type, receivedAt }];
  });
  return {
    channel: {
      type: 'router',
      chatId: chat.id,
      channel: chat.channel,
      clientId: chat.conversationClientId,
      hostId: chat.conversationHostId,
    },
    messages,
  };
}
