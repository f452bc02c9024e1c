/** The port the sweep finds, re-files and nudges due conversations through (DynamoSweepIndex in shared/store). */
import type { Conversation } from '../domain/conversation';
import type { ConversationRef } from './conversation-store';

export interface SweepIndex {
  /**
   * Conversations due for the sweep at `now`, from the sparse index: an agent lock that ran out, a
   * handover step past its deadline, or an inbox head deliverable for INBOX_STALL_MS.
   */
  findDueForSweep(now: number, limit: number): Promise<ConversationRef[]>;
  /** Puts the conversation where the sweep finds it next (or takes it out), unless it moved on meanwhile. */
  reindex(conversation: Conversation): Promise<void>;
  /**
   * A write that changes nothing but `nudgedAt` (and the version), if the stored version is still
   * `conversation`'s: a stream record of its own, for an inbox whose head nobody took. False when
   * the conversation moved on meanwhile (then that write is the record).
   */
  nudge(conversation: Conversation, now: number): Promise<boolean>;
}

/**
 * The index's query alone: it reads every tenant's due conversations, so it runs with the function's
 * own credentials, while re-filing and nudging write a conversation, with its tenant's.
 */
export type DueIndex = Pick<SweepIndex, 'findDueForSweep'>;
