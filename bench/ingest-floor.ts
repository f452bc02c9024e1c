/**
 * What an accepted web message asks of AWS, built by Baton's own builders: the append transaction
 * (`appendTransaction`, as ingest sends it), and nothing else (the table's stream carries it on).
 * The floors send exactly this, so a ratio is what Baton's code adds around the same request.
 */
import { randomUUID } from 'node:crypto';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { MESSAGE_DEDUPE_SECONDS } from '../functions/ingest/receive-user-message';
import { newConversation } from '../shared/domain/conversation';
import { CONVERSATION_RETENTION_SECONDS } from '../shared/store/conversation-repository';
import { appendTransaction } from '../shared/store/inbox-repository';

export interface IngestRequests {
  transact: TransactWriteCommandInput;
}

/** A new message (id and text as ingest would get them) to `conversationId` of tenant demo, on the web. */
export function ingestRequests(tableName: string, conversationId: string, now: number): IngestRequests {
  const message = { id: randomUUID(), text: 'hi', receivedAt: now };
  return {
    transact: appendTransaction(
      tableName,
      newConversation('demo', conversationId, { type: 'web' }, now),
      message,
      { scope: 'user-message', retentionSeconds: MESSAGE_DEDUPE_SECONDS },
      now,
      CONVERSATION_RETENTION_SECONDS,
    ),
  };
}
