/**
 * Messages for the user the conveyor could not send in place, kept in the conversation item with a
 * MessageUnsent event each (a reference, no text) for the relay, which delivers them with the bus's
 * retries. In the write that pops the message they answer, or in a write of their own.
 */
import type { Conversation } from '../../shared/domain/conversation';
import { type Unsent, withUnsent } from '../../shared/domain/unsent';
import { messageUnsent } from '../../shared/events/message-unsent';
import { applyCommand } from '../../shared/flow/apply-command';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'logger' | 'metrics'>;

/** The change that parks `entries` on `state`: the entries kept and their events in the outbox. */
export function parked(
  ports: Pick<Runtime, 'logger' | 'metrics'>,
  state: Conversation,
  entries: readonly Unsent[],
  now: number,
): Pick<Conversation, 'unsent' | 'outbox'> {
  const { unsent, dropped } = withUnsent(state, entries);
  if (dropped.length) {
    ports.logger.error('too many messages waiting for the channel; the oldest given up', {
      dropped: dropped.length,
    });
    ports.metrics.put({
      name: 'MessageUndeliverable',
      value: dropped.length,
      unit: 'Count',
      tenant: state.tenantId,
    });
  }
  const waiting = entries.filter((entry) => unsent.includes(entry));
  const events = waiting.map((entry) => messageUnsent(state, entry.key, now));
  return { unsent, outbox: [...(state.outbox ?? []), ...events] };
}

/** Parks `entries` in a write of their own; returns the conversation as written (or as it was). */
export async function parkUnsent(
  ports: Ports,
  state: Conversation,
  entries: readonly Unsent[],
): Promise<Conversation> {
  const applied = await applyCommand(ports, state.tenantId, state.conversationId, () => undefined, state, {
    alongside: (current, now) => ({
      ...current,
      ...parked(ports, current, entries, now),
      version: current.version + 1,
      updatedAt: now,
    }),
  });
  return applied.outcome === 'missing' ? state : applied.state;
}
