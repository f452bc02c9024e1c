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
  const state = await ports.conversations.get(tenantId, conversationId, ports.clock.now());
  return state && takeOverStaleOutbox(ports, state);
}

/**
 * A state as just read from the table: an outbox its writer left for longer than the grace period
 * is published and cleared here, and the state is returned without it.
 */
export async function takeOverStaleOutbox(ports: Ports, state: Conversation): Promise<Conversation> {
  if (!state.outbox?.length || state.updatedAt + OUTBOX_GRACE_MS > ports.clock.now()) return state;
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

/**
 * The state without the event being consumed in its outbox. Receiving an event proves it was
 * published; its writer may just not have cleared it yet. A write made on this state then does not
 * carry it forward and publish it a second time (others in that outbox are still carried).
 */
export function withoutConsumed(state: Conversation | undefined, eventId: string): Conversation | undefined {
  const outbox = state?.outbox?.filter((event) => event.detail.metadata.id !== eventId);
  if (!state || outbox === undefined || outbox.length === state.outbox?.length) return state;
  const { outbox: _consumed, ...rest } = state;
  return outbox.length ? { ...rest, outbox } : rest;
}
