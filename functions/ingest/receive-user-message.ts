/**
 * (channel webhook) → receive user message → the conversation's inbox. One DynamoDB transaction
 * appends the message and remembers its id, so a redelivered webhook is a duplicate and a failure
 * leaves nothing half done. Nothing is published: the append is a record on the table's stream,
 * whose consumer delivers the message to the owner of then, in arrival order.
 */
import type { ChannelRef } from '../../shared/domain/conversation';
import { newConversation } from '../../shared/domain/conversation';
import type { UserMessage } from '../../shared/events/shapes';
import { HttpError } from '../../shared/http/errors';
import type { Runtime } from '../../shared/runtime/runtime';

/** WhatsApp retries an unacknowledged webhook for up to 7 days; remember message ids a little longer. */
export const MESSAGE_DEDUPE_SECONDS = 8 * 24 * 3600;

export interface InboundUserMessage {
  tenantId: string;
  conversationId: string;
  channel: ChannelRef;
  message: UserMessage;
}

export type ReceiveResult = { outcome: 'accepted' } | { outcome: 'duplicate' };

export type ReceivePorts = Pick<Runtime, 'clock' | 'inbox'>;

export async function receiveUserMessage(
  ports: ReceivePorts,
  inbound: InboundUserMessage,
): Promise<ReceiveResult> {
  const { tenantId, conversationId, message } = inbound;
  const now = ports.clock.now();
  const fresh = newConversation(tenantId, conversationId, inbound.channel, now);
  const appended = await ports.inbox.appendMessage(
    fresh,
    message,
    { scope: 'user-message', retentionSeconds: MESSAGE_DEDUPE_SECONDS },
    now,
  );
  switch (appended) {
    case 'duplicate':
      return { outcome: 'duplicate' };
    case 'channel_mismatch':
      // A conversation belongs to one channel: another may not write into it, nor receive its replies.
      throw new HttpError(409, 'channel_mismatch', 'the conversation belongs to another channel');
    case 'inbox_full':
      throw new HttpError(
        429,
        'too_many_waiting',
        'too many messages wait for this conversation; retry later',
      );
    case 'appended':
      break;
  }
  return { outcome: 'accepted' };
}
