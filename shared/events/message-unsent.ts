/**
 * conveyor → relay: a message for the user the conveyor could not send in place waits in the
 * conversation item (`unsent`); the relay delivers it with the bus's retries. The event names it by a
 * keyed reference of its key: no text, no message id (a WhatsApp one holds the sender's number).
 */
import * as z from 'zod/mini';
import { conversationRef, idRef } from '../log/logger';
import { nonEmptyString } from '../validation/zod';
import { conversationEventMetadata, createEvent, defineEvent, type OutgoingEvent } from './define';
import { conversationByRefSchema } from './shapes';

export const MessageUnsent = defineEvent(
  'MessageUnsent',
  1,
  z.object({ ...conversationByRefSchema.shape, keyRef: nonEmptyString() }),
);

export function messageUnsent(
  ref: { tenantId: string; conversationId: string },
  key: string,
  now: number,
): OutgoingEvent {
  const keyRef = idRef(key);
  return createEvent(
    MessageUnsent,
    conversationEventMetadata(`unsent:${keyRef}`, ref.tenantId, ref.conversationId, now),
    { tenantId: ref.tenantId, conversationRef: conversationRef(ref.tenantId, ref.conversationId), keyRef },
  );
}
