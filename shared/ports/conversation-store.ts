/** The port use cases read and write conversations through (DynamoConversationStore in shared/store). */
import type { Conversation } from '../domain/conversation';

export interface ConversationRef {
  tenantId: string;
  conversationId: string;
}

export interface ConversationStore {
  /** The stored conversation, or undefined when never seen or past its retention. */
  get(tenantId: string, conversationId: string, now: number): Promise<Conversation | undefined>;
  /** Writes a new conversation (version 0); VersionConflictError when one already exists. */
  create(conversation: Conversation, now: number): Promise<void>;
  /** Writes `next` only if the stored version is still `next.version - 1`; else VersionConflictError. */
  save(next: Conversation, now: number): Promise<void>;
  /** Puts the conversation where the sweep finds it next (or takes it out), unless it moved on meanwhile. */
  reindex(conversation: Conversation): Promise<void>;
  /**
   * A write that changes nothing but `nudgedAt` (and the version), if the stored version is still
   * `conversation`'s: a stream record of its own, for an inbox whose head nobody took. False when
   * the conversation moved on meanwhile (then that write is the record).
   */
  nudge(conversation: Conversation, now: number): Promise<boolean>;
  /**
   * Marks the desk asked for handover `handoverId`, if the conversation is handing that one over
   * and nobody asked the desk since `now - retakeAfterMs` (one that died asking): one conditional
   * update that reads as it writes. The conversation as written, or undefined when it is not this
   * function's to ask (another is asking, or the handover moved on).
   */
  markDeskAsked(
    ref: ConversationRef & { handoverId: string },
    now: number,
    retakeAfterMs: number,
  ): Promise<Conversation | undefined>;
}
