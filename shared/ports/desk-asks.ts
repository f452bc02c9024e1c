/** The port hand-over marks a handover's desk call through (DynamoDeskAsks in shared/store). */
import type { Conversation } from '../domain/conversation';
import type { ConversationByRef } from './conversation-store';

export interface DeskAsks {
  /**
   * Marks the desk asked for handover `handoverId`, if the conversation is handing that one over
   * and nobody asked the desk since `now - retakeAfterMs` (one that died asking): one conditional
   * update that reads as it writes. The conversation as written, or undefined when it is not this
   * function's to ask (another is asking, or the handover moved on).
   */
  markDeskAsked(
    ref: ConversationByRef & { handoverId: string },
    now: number,
    retakeAfterMs: number,
    pickup: DeskPickup,
  ): Promise<Conversation | undefined>;
}

/** What the desk is given to take the conversation: its deadline, and whether a claim is awaited. */
export interface DeskPickup {
  /** From the ask to the deadline (`handover.pickupBy`). */
  pickupMs: number;
  awaitsClaim: boolean;
  /** While a claim is awaited, the user's waiting message this often. */
  waitingEveryMs?: number | undefined;
}
