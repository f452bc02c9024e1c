/**
 * Remembers which deliveries were already handled, so retried webhooks and redelivered events
 * have their effects once. Modelled on Powertools' idempotency persistence layer:
 *
 *   (none) ──claim──▶ in_progress ──complete──▶ completed ──(retention passes)──▶ (none)
 *                         │  └──(in-progress window passes: the worker died)──▶ claimable again
 *                         └──release (the work failed, let the retry do it)──▶ (none)
 */

export type ClaimResult = 'claimed' | 'duplicate';

export interface IdempotencyClaim {
  tenantId: string;
  /** What kind of delivery: `wa-message`, `web-message`, `event:relay`, ... */
  scope: string;
  key: string;
  /** How long a completed key is remembered: at least the sender's retry horizon. */
  retentionSeconds: number;
  /** How long a claim blocks others before it is considered abandoned. */
  inProgressSeconds: number;
}

export interface IdempotencyStore {
  claim(claim: IdempotencyClaim, now: number): Promise<ClaimResult>;
  complete(claim: IdempotencyClaim, now: number): Promise<void>;
  release(claim: IdempotencyClaim): Promise<void>;
}
