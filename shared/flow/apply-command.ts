/**
 * (use case) → apply one command to a conversation: read, decide, one conditional write carrying
 * the resulting events (outbox), publish them, clear the outbox. A lost race re-reads and decides
 * again; a publish failure throws, and the next load republishes what the outbox still holds.
 */
import {
  type Command,
  type Conversation,
  type Effect,
  IllegalTransitionError,
  transition,
} from '../domain/conversation';
import type { Runtime } from '../runtime/runtime';
import { OUTBOX_GRACE_MS } from '../store/conversation-repository';
import { VersionConflictError } from '../store/errors';
import { eventsFor } from './effect-events';
import { funnelPoints } from './funnel';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'publisher'> & Partial<Pick<Runtime, 'metrics'>>;

export type Applied =
  | { outcome: 'applied'; before: Conversation; state: Conversation; effects: Effect[] }
  /** `decide` returned nothing, or the command is illegal in the phase found: nothing changed. */
  | { outcome: 'unchanged'; state: Conversation }
  | { outcome: 'missing' };

/** Enough for a burst of concurrent writers on one conversation (user, agent, desk, sweep). */
const MAX_ATTEMPTS = 30;

/** Exponential backoff with full jitter, so racing writers spread out instead of colliding again. */
function backoff(attempt: number): Promise<void> {
  const capMs = Math.min(200, 5 * 2 ** Math.min(attempt, 6));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * capMs));
}

/**
 * `decide` sees the current state and returns the command to apply, or undefined to leave it. It may
 * run several times (once per lost race), so it must not have effects of its own.
 */
export async function applyCommand(
  ports: Ports,
  tenantId: string,
  conversationId: string,
  decide: (state: Conversation, now: number) => Command | undefined,
): Promise<Applied> {
  for (let attempt = 1; ; attempt += 1) {
    const state = await loadConversation(ports, tenantId, conversationId);
    if (!state) return { outcome: 'missing' };
    const now = ports.clock.now();
    const command = decide(state, now);
    if (!command) return { outcome: 'unchanged', state };
    let next: ReturnType<typeof transition>;
    try {
      next = transition(state, command, now);
    } catch (error) {
      if (error instanceof IllegalTransitionError) return { outcome: 'unchanged', state };
      throw error;
    }
    // Events an earlier writer could not publish stay in the outbox until someone does.
    const outbox = [...(state.outbox ?? []), ...eventsFor(next.state, next.effects, now)];
    const written: Conversation = { ...next.state, ...(outbox.length ? { outbox } : {}) };
    try {
      await ports.conversations.save(written, now);
    } catch (error) {
      if (error instanceof VersionConflictError && attempt < MAX_ATTEMPTS) {
        await backoff(attempt);
        continue;
      }
      throw error;
    }
    for (const point of funnelPoints(state, next.effects, now)) ports.metrics?.put(point);
    await flushOutbox(ports, written);
    return { outcome: 'applied', before: state, state: next.state, effects: next.effects };
  }
}

export { OUTBOX_GRACE_MS };

/** The conversation as stored, after publishing whatever an earlier writer left in its outbox. */
export async function loadConversation(
  ports: Ports,
  tenantId: string,
  conversationId: string,
): Promise<Conversation | undefined> {
  const now = ports.clock.now();
  const state = await ports.conversations.get(tenantId, conversationId, now);
  if (state?.outbox?.length && state.updatedAt + OUTBOX_GRACE_MS <= now) await flushOutbox(ports, state);
  return state;
}

async function flushOutbox(ports: Ports, state: Conversation): Promise<void> {
  const outbox = state.outbox ?? [];
  if (outbox.length === 0) return;
  await ports.publisher.publish(outbox);
  await ports.conversations.clearOutbox(state);
}
