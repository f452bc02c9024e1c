/**
 * (use case) → apply one command to a conversation: read, decide, one conditional write carrying
 * the events it causes in its outbox. The table's stream publishes them (functions/conveyor); a
 * lost race decides again (write-conversation.ts).
 */
import {
  type Command,
  type Conversation,
  type Effect,
  IllegalTransitionError,
  transition,
} from '../domain/conversation';
import type { Runtime } from '../runtime/runtime';
import { eventsFor } from './effect-events';
import { funnelPoints } from './funnel';
import { writeConversation } from './write-conversation';

type Ports = Pick<Runtime, 'clock' | 'conversations'> & Partial<Pick<Runtime, 'metrics' | 'logger'>>;

export type Applied =
  | { outcome: 'applied'; before: Conversation; state: Conversation; effects: Effect[] }
  /** `decide` returned nothing (or an illegal command) and `alongside` did not apply: nothing changed. */
  | { outcome: 'unchanged'; state: Conversation }
  | { outcome: 'missing' };

export interface ApplyOptions {
  /**
   * A change that rides along in the command's write (one request, not two): it returns the next
   * state (version one up, as every change does) or undefined when it does not apply. Events it
   * puts in the outbox go out with the command's.
   */
  alongside?: (state: Conversation, now: number) => Conversation | undefined;
  /** Write `alongside` only together with a command (default: on its own too). */
  onlyWithCommand?: boolean;
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
  { alongside, onlyWithCommand = false }: ApplyOptions = {},
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
      if (!next) return onlyWithCommand ? undefined : changed;
      effects = next.effects;
      const outbox = [...(base.outbox ?? []), ...eventsFor(next.state, next.effects, now)];
      return { ...next.state, ...(outbox.length ? { outbox } : {}) };
    },
    known,
  );
  if (written.outcome !== 'written') return written;
  const { before, state } = written;
  const now = ports.clock.now();
  for (const point of funnelPoints(before, effects, now)) ports.metrics?.put(point);
  return { outcome: 'applied', before, state, effects };
}
