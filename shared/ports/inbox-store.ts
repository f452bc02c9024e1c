/** The port ingest appends user messages through (DynamoInboxStore in shared/store). */
import type { Conversation } from '../domain/conversation';
import type { UserMessage } from '../events/shapes';

/** How a message's id is remembered, so a redelivered webhook is not appended twice. */
export interface MessageDedupe {
  scope: string;
  /** At least the sender's retry horizon. */
  retentionSeconds: number;
}

export type AppendResult = 'appended' | 'duplicate' | 'channel_mismatch' | 'inbox_full';

export interface InboxStore {
  /**
   * Appends a user message to the conversation's inbox and remembers its id, in one transaction:
   * either both happen or neither. Creates the conversation (as `fresh`) on its first message.
   */
  appendMessage(
    fresh: Conversation,
    message: UserMessage,
    dedupe: MessageDedupe,
    now: number,
  ): Promise<AppendResult>;
}
