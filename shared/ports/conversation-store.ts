/** The port use cases read and write conversations through (DynamoConversationStore in shared/store). */
import type { Conversation } from '../domain/conversation';

export interface ConversationRef {
  tenantId: string;
  conversationId: string;
}

/** A conversation as the bus's events name it: by its keyed reference, never its id (a phone number). */
export interface ConversationByRef {
  tenantId: string;
  conversationRef: string;
}

export interface ConversationStore {
  /** The stored conversation, or undefined when never seen or past its retention. */
  get(tenantId: string, conversationId: string, now: number): Promise<Conversation | undefined>;
  /** The same, found by its reference. */
  getByRef(ref: ConversationByRef, now: number): Promise<Conversation | undefined>;
  /** Writes a new conversation (version 0); VersionConflictError when one already exists. */
  create(conversation: Conversation, now: number): Promise<void>;
  /** Writes `next` only if the stored version is still `next.version - 1`; else VersionConflictError. */
  save(next: Conversation, now: number): Promise<void>;
}
