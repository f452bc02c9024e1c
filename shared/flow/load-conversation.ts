/** (use case) → the conversation as stored, read at the clock's time. */
import type { Conversation } from '../domain/conversation';
import type { Runtime } from '../runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'conversations'>;

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
