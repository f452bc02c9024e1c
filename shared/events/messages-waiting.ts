/**
 * (ingest, a change of owner, the sweep) → relay: the conversation's inbox holds messages to
 * deliver. It carries no message: the inbox does, in arrival order, so a lost, doubled or late
 * event changes nothing but when the drain runs.
 */
import { conversationEventMetadata, createEvent, defineEvent, type OutgoingEvent } from './define';
import { conversationRefSchema } from './shapes';

export const MessagesWaiting = defineEvent('MessagesWaiting', 1, conversationRefSchema);

/** The event for one conversation; `cause` names why (a message id, a version), for the logs. */
export function messagesWaiting(
  tenantId: string,
  conversationId: string,
  cause: string,
  now: number,
): OutgoingEvent {
  return createEvent(
    MessagesWaiting,
    conversationEventMetadata(`waiting:${cause}`, tenantId, conversationId, now),
    { tenantId, conversationId },
  );
}
