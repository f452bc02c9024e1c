/** (schedule) → release every agent lock past its expiry → SessionEnded(reason=expired) per conversation. */
import { IllegalTransitionError, transition } from '../../shared/domain/conversation';
import { conversationEventMetadata, createEvent } from '../../shared/events/define';
import { SessionEnded } from '../../shared/events/session-ended';
import { errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { VersionConflictError } from '../../shared/store/errors';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'publisher' | 'logger'>;

export interface SweepResult {
  found: number;
  expired: number;
  skipped: number;
}

/** One sweep of at most `limit` conversations; the next scheduled run takes the rest. */
export async function expireSessions(ports: Ports, limit = 500): Promise<SweepResult> {
  const now = ports.clock.now();
  const refs = await ports.conversations.findExpiredLocks(now, limit);
  let expired = 0;
  for (const ref of refs) {
    const state = await ports.conversations.get(ref.tenantId, ref.conversationId, now);
    if (!state) continue;
    try {
      const next = transition(state, { type: 'expire' }, now);
      await ports.conversations.save(next.state, now);
      const handoverId = state.handover?.id ?? 'unknown';
      await ports.publisher.publish([
        createEvent(
          SessionEnded,
          conversationEventMetadata(`ended:${handoverId}`, ref.tenantId, ref.conversationId, now),
          { tenantId: ref.tenantId, conversationId: ref.conversationId, handoverId, reason: 'expired' },
        ),
      ]);
      expired += 1;
    } catch (error) {
      // Activity extended the lock or the session ended meanwhile: nothing to expire any more.
      if (error instanceof VersionConflictError || error instanceof IllegalTransitionError) continue;
      ports.logger.error('expiring a session failed', { tenantId: ref.tenantId, ...errorFields(error) });
      throw error;
    }
  }
  return { found: refs.length, expired, skipped: refs.length - expired };
}
