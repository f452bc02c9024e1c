/**
 * (use case) → one change to a conversation, written on the version read. A lost race decides again
 * (first on the item the refused write returned, then on a fresh read); `change` may therefore run
 * several times and must have no effects of its own.
 */
import type { Conversation } from '../domain/conversation';
import { conversationRef } from '../log/logger';
import { VersionConflictError } from '../ports/version-conflict';
import type { Runtime } from '../runtime/runtime';
import { backoff } from './backoff';
import { loadConversation, withoutOutbox } from './load-conversation';

type Ports = Pick<Runtime, 'clock' | 'conversations'> & Partial<Pick<Runtime, 'logger'>>;

export type Written =
  | { outcome: 'written'; before: Conversation; state: Conversation }
  /** `change` returned nothing: nothing was written. */
  | { outcome: 'unchanged'; state: Conversation }
  | { outcome: 'missing' };

/** Enough for a burst of concurrent writers on one conversation (user, agent, desk, sweep, conveyor). */
const MAX_ATTEMPTS = 30;

/**
 * `change` returns the next state (its version one above the state it was given) or undefined. It
 * is given the state without the last version's outbox, so a write carries only its own events.
 * `known`, a state just read or written, saves the first read; a stale one costs one lost race.
 */
export async function writeConversation(
  ports: Ports,
  tenantId: string,
  conversationId: string,
  change: (state: Conversation, now: number) => Conversation | undefined,
  known?: Conversation,
): Promise<Written> {
  let found = known ?? (await loadConversation(ports, tenantId, conversationId));
  for (let attempt = 1; ; attempt += 1) {
    if (!found) return { outcome: 'missing' };
    const state = withoutOutbox(found);
    const now = ports.clock.now();
    const next = change(state, now);
    if (!next) return { outcome: 'unchanged', state };
    try {
      await ports.conversations.save(next, now);
      // The item keeps the last entries; the log keeps them all, for its own retention.
      for (const entry of next.audit ?? [])
        if (entry.version === next.version)
          ports.logger?.info('audit', {
            tenantId,
            conversationRef: conversationRef(tenantId, conversationId),
            ...entry,
          });
      return { outcome: 'written', before: state, state: next };
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      // Another writer got in first. If the item the refused write returned (as fresh as a read)
      // says this change no longer applies, that is the answer, without a read.
      if (error.current) {
        const current = withoutOutbox(error.current);
        if (!change(current, ports.clock.now())) return { outcome: 'unchanged', state: current };
      }
      if (attempt >= MAX_ATTEMPTS) throw error;
      // Otherwise spread out and read the latest: writing again at once on the returned item made
      // racing writers collide again and again.
      await backoff(attempt);
      found = await loadConversation(ports, tenantId, conversationId);
    }
  }
}
