/**
 * (schedule) → the sweep, over the conversations the sparse index says are due: release every agent
 * lock past its expiry (SessionEnded, reason expired); give up every handover stuck in a step past
 * its deadline (HandoverDeclined); nudge every inbox whose deliverable head nobody took (the stream's
 * consumer gave up on its record: a nudge is a record of its own).
 */
import { isLockExpired, isStepOverdue } from '../../shared/domain/conversation';
import { deliverableHead, INBOX_STALL_MS } from '../../shared/domain/inbox';
import { applyCommand } from '../../shared/flow/apply-command';
import { conversationRef, errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import type { Scoped } from '../../shared/runtime/tenant-scope';

export type SweepPorts = Pick<
  Runtime,
  'clock' | 'conversations' | 'sweepIndex' | 'dueIndex' | 'logger' | 'metrics'
>;

export interface SweepResult {
  found: number;
  /** Locks released and stuck handovers given up. */
  expired: number;
  /** Stalled inboxes nudged. */
  nudged: number;
  skipped: number;
}

/** One sweep of at most `limit` conversations; the next scheduled run takes the rest. */
export async function expireSessions(rt: Scoped<SweepPorts>, limit = 500): Promise<SweepResult> {
  const refs = await rt.dueIndex.findDueForSweep(rt.clock.now(), limit);
  let expired = 0;
  let nudged = 0;
  let failed = 0;
  for (const ref of refs) {
    try {
      const ports = await rt.forTenant(ref.tenantId);
      // Activity may have extended the lock, or the session ended, since the index was read.
      const applied = await applyCommand(ports, ref.tenantId, ref.conversationId, (state, now) => {
        if (isLockExpired(state, now)) return { type: 'expire' };
        const handover = state.handover;
        if (!handover) return undefined;
        const handoverId = handover.id;
        if (isStepOverdue(state, now)) {
          // The user walked away from the intake: an abandoned intake, told as such.
          if (state.phase === 'intake') return { type: 'intakeAbandoned', handoverId, reason: 'timeout' };
          // A desk live on its claim that did not claim: withdrawn, the desk told.
          if (state.phase === 'handing_over' && handover.awaitsClaim)
            return { type: 'withdrawHandover', handoverId };
          // A handover stuck in a step (its event lost): back to the bot, the user told.
          return { type: 'handoverFailed', handoverId, stage: `timeout:${state.phase}` };
        }
        const waitingAt = handover.nextWaitingAt;
        if (state.phase === 'handing_over' && waitingAt !== undefined && waitingAt <= now)
          return { type: 'waitingNoticeDue', handoverId };
        return undefined;
      });
      if (applied.outcome === 'applied') {
        // A change of owner is a record of its own: the conveyor delivers a waiting inbox from it.
        expired += 1;
      } else if (applied.outcome === 'unchanged') {
        const state = applied.state;
        const now = ports.clock.now();
        if (deliverableHead(state) && state.updatedAt + INBOX_STALL_MS <= now) {
          if (await ports.sweepIndex.nudge(state, now)) {
            nudged += 1;
            ports.logger.warn('inbox stalled; nudged', {
              conversation: conversationRef(ref.tenantId, ref.conversationId),
              waiting: state.inbox?.length ?? 0,
            });
          }
        } else {
          // Nothing is due any more (a lock extended, an inbox emptied): out of the index, or later in it.
          await ports.sweepIndex.reindex(state);
        }
      }
    } catch (error) {
      // One bad conversation must not keep every lock behind it in the index from expiring.
      failed += 1;
      rt.logger.error('sweeping a conversation failed', {
        tenantId: ref.tenantId,
        conversation: conversationRef(ref.tenantId, ref.conversationId),
        ...errorFields(error),
      });
    }
  }
  if (failed > 0) rt.logger.warn('expiry sweep had failures', { failed });
  return { found: refs.length, expired, nudged, skipped: refs.length - expired - nudged };
}
