/** (schedule) → release every agent lock past its expiry → SessionEnded(reason=expired) per conversation. */
import { isLockExpired } from '../../shared/domain/conversation';
import { applyCommand } from '../../shared/flow/apply-command';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'publisher' | 'logger'>;

export interface SweepResult {
  found: number;
  expired: number;
  skipped: number;
}

/** One sweep of at most `limit` conversations; the next scheduled run takes the rest. */
export async function expireSessions(ports: Ports, limit = 500): Promise<SweepResult> {
  const refs = await ports.conversations.findExpiredLocks(ports.clock.now(), limit);
  let expired = 0;
  for (const ref of refs) {
    // Activity may have extended the lock, or the session ended, since the index was read.
    const applied = await applyCommand(ports, ref.tenantId, ref.conversationId, (state, now) =>
      isLockExpired(state, now) ? { type: 'expire' } : undefined,
    );
    if (applied.outcome === 'applied') expired += 1;
  }
  return { found: refs.length, expired, skipped: refs.length - expired };
}
