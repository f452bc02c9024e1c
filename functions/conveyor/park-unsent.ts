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

/**
 * The change that parks `entries` on `state`: the entries kept and their events in the outbox, and
 * how many waiting ones were given up to make room. Pure: it runs again on a lost race.
 */
export function parked(
  state: Conversation,
  entries: readonly Unsent[],
  now: number,
): { change: Pick<Conversation, 'unsent' | 'outbox'>; dropped: number } {
  const { unsent, dropped } = withUnsent(state, entries);
  const waiting = entries.filter((entry) => unsent.includes(entry));
  const events = waiting.map((entry) => messageUnsent(state, entry.key, now));
  return { change: { unsent, outbox: [...(state.outbox ?? []), ...events] }, dropped: dropped.length };
}

/** Messages given up to stay within the item's room for waiting ones: logged and counted, after the write. */
export function reportDropped(
  ports: Pick<Runtime, 'logger' | 'metrics'>,
  tenantId: string,
  dropped: number,
): void {
  if (dropped === 0) return;
  ports.logger.error('too many messages waiting for the channel; the oldest given up', { dropped });
  ports.metrics.put({ name: 'MessageUndeliverable', value: dropped, unit: 'Count', tenant: tenantId });
}

/** Parks `entries` in a write of their own; returns the conversation as written (or as it was). */
export async function parkUnsent(
  ports: Ports,
  state: Conversation,
  entries: readonly Unsent[],
): Promise<Conversation> {
  let dropped = 0;
  const applied = await applyCommand(ports, state.tenantId, state.conversationId, () => undefined, state, {
    alongside: (current, now) => {
      const park = parked(current, entries, now);
      dropped = park.dropped;
      return { ...current, ...park.change, version: current.version + 1, updatedAt: now };
    },
  });
  if (applied.outcome === 'missing') return state;
  reportDropped(ports, state.tenantId, dropped);
  return applied.state;
}
