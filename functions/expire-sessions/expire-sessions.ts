/**
 * (schedule) → release every agent lock past its expiry → SessionEnded(reason=expired) per
 * conversation; give up on every handover stuck in a step past its deadline → HandoverDeclined; publish every outbox its writer left unpublished (loading the conversation does
 * that); and start the drain of every inbox nobody drained (MessagesWaiting).
 */
import { isLockExpired, isStepOverdue } from '../../shared/domain/conversation';
import { holdsInbox } from '../../shared/domain/inbox';
import { messagesWaiting } from '../../shared/events/messages-waiting';
import { applyCommand } from '../../shared/flow/apply-command';
import { conversationRef, errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';

export type SweepPorts = Pick<Runtime, 'clock' | 'conversations' | 'sweepIndex' | 'publisher' | 'logger'>;

export interface SweepResult {
  found: number;
  /** Locks released and stuck handovers given up. */
  expired: number;
  /** Inboxes whose drain was started again. */
  drained: number;
  skipped: number;
}

/** One sweep of at most `limit` conversations; the next scheduled run takes the rest. */
export async function expireSessions(ports: SweepPorts, limit = 500): Promise<SweepResult> {
  const refs = await ports.sweepIndex.findDueForSweep(ports.clock.now(), limit);
  let expired = 0;
  let drained = 0;
  let failed = 0;
  for (const ref of refs) {
    try {
      // Activity may have extended the lock, or the session ended, since the index was read.
      const applied = await applyCommand(ports, ref.tenantId, ref.conversationId, (state, now) => {
        if (isLockExpired(state, now)) return { type: 'expire' };
        // A handover stuck in a step (its event lost, the user gone): back to the bot, the user told.
        if (isStepOverdue(state, now)) return { type: 'handoverFailed', stage: `timeout:${state.phase}` };
        return undefined;
      });
      if (applied.outcome === 'applied') {
        // The change of owner starts the drain of a waiting inbox itself.
        expired += 1;
      } else if (applied.outcome === 'unchanged') {
        const state = applied.state;
        if (state.inbox?.length && !holdsInbox(state.phase)) {
          await ports.publisher.publish([
            messagesWaiting(
              ref.tenantId,
              ref.conversationId,
              `sweep:${ports.clock.now()}`,
              ports.clock.now(),
            ),
          ]);
          drained += 1;
        } else {
          // Nothing is due any more (a lock extended, an outbox published): out of the index, or later in it.
          await ports.conversations.reindex(state);
        }
      }
    } catch (error) {
      // One bad conversation must not keep every lock behind it in the index from expiring.
      failed += 1;
      ports.logger.error('sweeping a conversation failed', {
        tenantId: ref.tenantId,
        conversation: conversationRef(ref.tenantId, ref.conversationId),
        ...errorFields(error),
      });
    }
  }
  if (failed > 0) ports.logger.warn('expiry sweep had failures', { failed });
  return { found: refs.length, expired, drained, skipped: refs.length - expired - drained };
}
