/**
 * Remembers which deliveries were already handled, so retried webhooks and redelivered events
 * have their effects once. Modelled on Powertools' idempotency persistence layer:
 *
 *   (none) ──claim──▶ in_progress ──complete──▶ completed ──(retention passes)──▶ (none)
 *                         │  └──(in-progress window passes: the worker died)──▶ claimable again
 *                         └──release (the work failed, let the retry do it)──▶ (none)
 */
import type { ConversationByRef } from './conversation-store';

export type ClaimResult = 'claimed' | 'duplicate';

/** A claim taken: its id lets only its holder release it. */
export interface HeldClaim {
  claimId: string;
}

export interface IdempotencyClaim {
  tenantId: string;
  /** The conversation the delivery belongs to: its records are kept (and erased) together. */
  conversationId: string;
  /** What kind of delivery: `wa-message`, `web-message`, `event:relay`, ... */
  scope: string;
  /** Unique within the conversation and scope (a message id, an event id, ...). */
  key: string;
  /** How long a completed key is remembered: at least the sender's retry horizon. */
  retentionSeconds: number;
  /** How long a claim blocks others before it is considered abandoned. */
  inProgressSeconds: number;
}

export interface IdempotencyStore {
  /** The claim taken, or 'duplicate' when the key is done or someone else's claim holds it. */
  claim(claim: IdempotencyClaim, now: number): Promise<HeldClaim | 'duplicate'>;
  complete(claim: IdempotencyClaim, now: number): Promise<void>;
  /**
   * Frees the key for a retry, if `held` still holds it: a late release (the claim expired and
   * another took the key) must not delete the other's claim and let a third run the work too.
   */
  release(claim: IdempotencyClaim, held: HeldClaim): Promise<void>;
  /** Deletes every record of a conversation (erasure); how many there were. */
  forgetConversation(ref: ConversationByRef): Promise<number>;
}
