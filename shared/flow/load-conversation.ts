/** (use case) → the conversation as stored, after publishing what an earlier writer left in its outbox. */
import type { Conversation } from '../domain/conversation';
import type { Runtime } from '../runtime/runtime';
import { OUTBOX_GRACE_MS } from '../store/conversation-repository';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'publisher'>;

export async function loadConversation(
  ports: Ports,
  tenantId: string,
  conversationId: string,
): Promise<Conversation | undefined> {
  const now = ports.clock.now();
  const state = await ports.conversations.get(tenantId, conversationId, now);
  if (!state?.outbox?.length || state.updatedAt + OUTBOX_GRACE_MS > now) return state;
  await flushOutbox(ports, state);
  const { outbox: _published, ...published } = state;
  return published;
}

/** Publishes the outbox, then removes it (unless the conversation moved on: then its writer does). */
export async function flushOutbox(ports: Ports, state: Conversation): Promise<void> {
  const outbox = state.outbox ?? [];
  if (outbox.length === 0) return;
  await ports.publisher.publish(outbox);
  await ports.conversations.clearOutbox(state);
}
