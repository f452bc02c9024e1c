import type { Conversation } from '../../shared/domain/conversation';

/**
 * Thrown by an owner's delivery when the conversation left that owner between the decision and the
 * write; `current` is the conversation as the refused write found it, to decide again on.
 */
export class OwnerChangedError extends Error {
  override readonly name = 'OwnerChangedError';

  constructor(
    message: string,
    readonly current: Conversation,
  ) {
    super(message);
  }
}
