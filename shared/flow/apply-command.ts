/**
 * (use case) → apply one command to a conversation: read, decide, one conditional write carrying
 * the resulting events (outbox), publish them, clear the outbox. A lost race decides again
 * (write-conversation.ts); a publish failure throws, and the next load republishes what the outbox
 * still holds.
 */
import {
  type Command,
  type Conversation,
  type Effect,
  IllegalTransitionError,
  transition,
} from '../domain/conversation';
import { isTaken } from '../domain/inbox';
import type { OutgoingEvent } from '../events/define';
import { messagesWaiting } from '../events/messages-waiting';
import type { Runtime } from '../runtime/runtime';
import { eventsFor } from './effect-events';
import { funnelPoints } from './funnel';
import { flushOutbox } from './load-conversation';
import { writeConversation } from './write-conversation';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'publisher'> & Partial<Pick<Runtime, 'metrics'>>;

export type Applied =
  | { outcome: 'applied'; before: Conversation; state: Conversation; effects: Effect[] }
  /** `decide` returned nothing (or an illegal command) and `alongside` did not apply: nothing changed. */
  | { outcome: 'unchanged'; state: Conversation }
  | { outcome: 'missing' };

export interface ApplyOptions {
  /**
   * A change that rides along in the command's write (one request, not two): it returns the next
   * state (version one up, as every change does) or undefined when it does not apply. Events it
   * adds to the outbox are published with the command's.
   */
  alongside?: (state: Conversation, now: number) => Conversation | undefined;
  /**
   * Runs once, right after the write and before its events go out (which may set other functions
   * going): what to log as done at the moment it is done.
   */
  onWritten?: (state: Conversation) => void;
}

/**
 * `decide` sees the current state (after `alongside`, if any) and returns the command to apply, or
 * undefined to leave it. Both may run several times (once per lost race), so they must not have
 * effects of their own. `known`, a state the caller just read, saves the first read (a stale one
 * costs one lost race, nothing else).
 */
export async function applyCommand(
  ports: Ports,
  tenantId: string,
  conversationId: string,
  decide: (state: Conversation, now: number) => Command | undefined,
  known?: Conversation,
  { alongside, onWritten }: ApplyOptions = {},
): Promise<Applied> {
  let effects: Effect[] = [];
  const written = await writeConversation(
    ports,
    tenantId,
    conversationId,
    (state, now) => {
      effects = [];
      const changed = alongside?.(state, now);
      // The command's transition counts the version up once more; one write is one version.
      const base = changed ? { ...changed, version: state.version } : state;
      const command = decide(base, now);
      let next: ReturnType<typeof transition> | undefined;
      try {
        next = command ? transition(base, command, now) : undefined;
      } catch (error) {
        if (!(error instanceof IllegalTransitionError)) throw error;
      }
      if (!next) return changed;
      effects = next.effects;
      // Events an earlier writer could not publish stay in the outbox until someone does.
      const outbox = [
        ...(base.outbox ?? []),
        ...eventsFor(next.state, next.effects, now),
        ...drainOnNewOwner(state, next.state, now),
      ];
      return { ...next.state, ...(outbox.length ? { outbox } : {}) };
    },
    known,
  );
  if (written.outcome !== 'written') return written;
  const { before, state } = written;
  onWritten?.(state);
  const now = ports.clock.now();
  for (const point of funnelPoints(before, effects, now)) ports.metrics?.put(point);
  await flushOutbox(ports, state);
  const { outbox: _published, ...applied } = state;
  return { outcome: 'applied', before, state: applied, effects };
}

/**
 * Messages waiting for an owner go to the new one: a change of phase starts the drain again, unless
 * a drainer held the head when this was written (it asks who the owner is before each message, and
 * drains on after a message this very write popped: a second drainer would only race it).
 */
function drainOnNewOwner(before: Conversation, after: Conversation, now: number): OutgoingEvent[] {
  const held = before.inbox?.[0];
  if (before.phase === after.phase || !after.inbox?.length || (held && isTaken(held, now))) return [];
  // Into the desk's answer: the messages wait for it (its outcome is a change of phase again).
  if (after.phase === 'handing_over') return [];
  return [messagesWaiting(after.tenantId, after.conversationId, `v${after.version}`, now)];
}
