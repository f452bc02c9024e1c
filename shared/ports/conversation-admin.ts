/** What an operator does to a tenant's conversations beyond the flow: list them, erase one (DynamoConversationAdmin). */
import type { ChannelRef } from '../domain/conversation';
import type { Phase } from '../domain/phase';
import type { ConversationByRef } from './conversation-store';

export interface ConversationSummary {
  conversationRef: string;
  conversationId: string;
  channel: ChannelRef['type'];
  phase: Phase;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** Where a listing goes on: after this conversation (by its last write). */
export interface ListPosition {
  updatedAt: number;
  conversationRef: string;
}

export interface ConversationPage {
  conversations: ConversationSummary[];
  /** Absent on the last page. */
  next?: ListPosition | undefined;
}

export interface ConversationAdmin {
  /** The tenant's conversations stored in `phase`, the most recently written first (an index, never a scan). */
  list(
    tenantId: string,
    phase: Phase,
    page: { limit: number; after?: ListPosition | undefined },
  ): Promise<ConversationPage>;
  /**
   * Deletes the conversation's item if its version is still `version` (undefined: only an item past
   * its retention that TTL has not deleted yet). `moved` when it was written meanwhile.
   */
  remove(
    ref: ConversationByRef,
    version: number | undefined,
    now: number,
  ): Promise<'removed' | 'absent' | 'moved'>;
}
