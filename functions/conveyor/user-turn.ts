import type { UserMessage } from '../../shared/events/shapes';

/** A user message for one conversation, as its owner receives it. */
export interface UserTurn {
  tenantId: string;
  conversationId: string;
  message: UserMessage;
}
