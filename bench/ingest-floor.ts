/**
 * What an accepted web message asks of AWS, built by Baton's own builders: the append transaction
 * (`appendTransaction`, as ingest sends it) and the MessagesWaiting entry. The floors send exactly
 * these, so a ratio is what Baton's code adds around the same requests.
 */
import { randomUUID } from 'node:crypto';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { MESSAGE_DEDUPE_SECONDS } from '../functions/ingest/receive-user-message';
import { newConversation } from '../shared/domain/conversation';
import { EVENT_SOURCE } from '../shared/events/define';
import { messagesWaiting } from '../shared/events/messages-waiting';
import { CONVERSATION_RETENTION_SECONDS } from '../shared/store/conversation-repository';
import { appendTransaction } from '../shared/store/inbox-repository';

export interface IngestRequests {
  transact: TransactWriteCommandInput;
  entries: PutEventsRequestEntry[];
}

/** A new message (id and text as ingest would get them) to `conversationId` of tenant demo, on the web. */
export function ingestRequests(
  tableName: string,
  eventBusName: string,
  conversationId: string,
  now: number,
): IngestRequests {
  const message = { id: randomUUID(), text: 'hi', receivedAt: now };
  const event = messagesWaiting('demo', conversationId, message.id, now);
  return {
    transact: appendTransaction(
      tableName,
      newConversation('demo', conversationId, { type: 'web' }, now),
      message,
      { scope: 'user-message', retentionSeconds: MESSAGE_DEDUPE_SECONDS },
      now,
      CONVERSATION_RETENTION_SECONDS,
    ),
    entries: [
      {
        Source: EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        EventBusName: eventBusName,
      },
    ],
  };
}
