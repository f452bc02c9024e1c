/** Runs a piece of work once per key, on the IdempotencyStore port. */
import type { Clock } from '../domain/clock';
import type { ClaimResult, IdempotencyClaim, IdempotencyStore } from '../ports/idempotency-store';

/** EventBridge retries for up to 24 hours; a redelivery within that window must change nothing. */
export const EVENT_DEDUPE_SECONDS = 2 * 24 * 3600;

export interface OnceOptions {
  /**
   * The work ends with a conversation write that its caller checks before claiming (a phase the
   * work leaves), so that write is the record of the work done: the claim only has to keep
   * concurrent duplicates out while it runs, and is not written a second time to say it completed.
   */
  recordedInState?: boolean;
}

/**
 * Runs `work` once per claim: a duplicate returns 'duplicate' without running it; a failure
 * releases the claim and rethrows so the sender's retry can do the work.
 */
export async function once(
  store: IdempotencyStore,
  claim: IdempotencyClaim,
  now: () => number,
  work: () => Promise<void>,
  options: OnceOptions = {},
): Promise<ClaimResult> {
  const held = await store.claim(claim, now());
  if (held === 'duplicate') return 'duplicate';
  try {
    await work();
  } catch (error) {
    await store.release(claim, held);
    throw error;
  }
  if (!options.recordedInState) await store.complete(claim, now());
  return 'claimed';
}

/**
 * `work` once per `key` of a conversation in `scope`, for a consumer of bus events: the key is kept
 * as long as the bus may deliver the event again; `inProgressSeconds` outlasts the work's calls.
 */
export function oncePerEvent(
  ports: { idempotency: IdempotencyStore; clock: Clock },
  ref: { tenantId: string; conversationId: string; scope: string; key: string },
  work: () => Promise<void>,
  inProgressSeconds = 60,
): Promise<ClaimResult> {
  return once(
    ports.idempotency,
    {
      tenantId: ref.tenantId,
      conversationId: ref.conversationId,
      scope: ref.scope,
      key: ref.key,
      retentionSeconds: EVENT_DEDUPE_SECONDS,
      inProgressSeconds,
    },
    () => ports.clock.now(),
    work,
  );
}
