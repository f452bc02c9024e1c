/** The port ingest records a pushed bot answer through (DynamoAnswerPushes in shared/store). */
import type { TranscriptEntry, TranscriptPolicy } from '../domain/transcript';
import type { OutgoingEvent } from '../events/define';
import type { ConversationRef } from './conversation-store';
import type { MessageDedupe } from './inbox-store';

/** `live_chat`: an agent has the conversation or is being given it; `missing`: no such conversation. */
export type PushResult = 'recorded' | 'duplicate' | 'missing' | 'live_chat';

export interface AnswerPushes {
  /**
   * Writes `event` (the pushed answer) as the conversation's new version's one event and remembers
   * `answerId`, in one transaction, unless an agent has the conversation or is being given it: the
   * write's stream record delivers it, in order with the records before and after it.
   */
  record(
    ref: ConversationRef & { answerId: string },
    event: OutgoingEvent,
    dedupe: MessageDedupe,
    now: number,
    /** The answer as the transcript keeps it, in the same write; absent when the tenant keeps none. */
    remember?: { entry: TranscriptEntry; policy: Pick<TranscriptPolicy, 'messages' | 'retentionMs'> },
  ): Promise<PushResult>;
}
