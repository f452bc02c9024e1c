/** (use case) → the conversation as stored, read at the clock's time. */
import type { Conversation } from '../domain/conversation';
import type { ConversationByRef } from '../ports/conversation-store';
import type { Runtime } from '../runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'conversations'>;

/** The conversation an event names by its reference. */
export function loadByRef(ports: Ports, ref: ConversationByRef): Promise<Conversation | undefined> {
  return ports.conversations.getByRef(ref, ports.clock.now());
}

export function loadConversation(
  ports: Ports,
  tenantId: string,
  conversationId: string,
): Promise<Conversation | undefined> {
  return ports.conversations.get(tenantId, conversationId, ports.clock.now());
}

/** The state a new write starts from: the events in its outbox were the last version's. */
export function withoutOutbox(state: Conversation): Conversation {
  if (state.outbox === undefined) return state;
  const { outbox: _last, ...rest } = state;
  return rest;
}
