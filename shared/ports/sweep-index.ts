/** The port the sweep finds due conversations through (DynamoSweepIndex in shared/store). */
import type { ConversationRef } from './conversation-store';

export interface SweepIndex {
  /**
   * Conversations due for the sweep at `now`, from the sparse index: an agent lock that ran out, a
   * handover step past its deadline, or an inbox head deliverable for INBOX_STALL_MS.
   */
  findDueForSweep(now: number, limit: number): Promise<ConversationRef[]>;
}
