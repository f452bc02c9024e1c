/**
 * The inbox head the stream made deliverable → its owner, tried up to three times in place (a
 * timed-out attempt may have arrived, so every attempt goes to the same owner), then moved to the
 * conversation's dead letters so the messages behind it go on. Whichever way, one write takes it
 * off the inbox, and that write is the record that brings the next message.
 */
import { OutsideCallError } from '../../shared/clients/http';
import type { TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import { deadLetterHead, deliverableHead, type InboxEntry } from '../../shared/domain/inbox';
import type { Route } from '../../shared/domain/routing';
import { isRetryableOutside, tryInPlace } from '../../shared/flow/try-in-place';
import { writeConversation } from '../../shared/flow/write-conversation';
import { errorFields } from '../../shared/log/logger';
import { reportDeadLetter } from './dead-letter';
import { type DeliveryPorts, deliverUserMessage, routeOf } from './deliver-user-message';
import { OwnerChangedError } from './owner-changed';

/** No answer is sent by the conveyor after this: it leaves a channel's whole timeout before its own. */
export const SEND_ANSWERS_BUDGET_MS = 25_000;
/** How often one message may change owners under its delivery before it waits for the next record. */
const MAX_OWNER_CHANGES = 3;

export async function deliverHead(
  ports: DeliveryPorts,
  tenant: TenantConfig,
  conversation: Conversation,
  head: InboxEntry,
): Promise<void> {
  const sendUntil = performance.now() + SEND_ANSWERS_BUDGET_MS;
  const id = head.message.id;
  let state = conversation;
  for (let ownerChanges = 0; ; ownerChanges += 1) {
    const route = routeOf(state, ports.clock.now());
    // Each way pops the message in its own write.
    const gaveUp = await tryInPlace(
      () => deliverUserMessage(ports, tenant, state, head.message, sendUntil),
      isRetryableOutside,
      (error, attempt) =>
        ports.logger.warn('delivery failed; trying again', { route, attempt, ...errorFields(error) }),
    );
    if (!gaveUp) return;
    const { error } = gaveUp;
    if (error instanceof OwnerChangedError) {
      // The owner of now takes it, if it may have it now (else its record will).
      state = error.current;
      if (deliverableHead(state)?.message.id !== id || ownerChanges >= MAX_OWNER_CHANGES) return;
      continue;
    }
    // Anything else (the table failing after the owner had it) is not the owner's to retry.
    if (!(error instanceof OutsideCallError)) throw error;
    await deadLetter(ports, state, id, route, gaveUp.attempts, error);
    return;
  }
}

async function deadLetter(
  ports: DeliveryPorts,
  known: Conversation,
  id: string,
  route: Route,
  attempts: number,
  error: unknown,
): Promise<void> {
  const reason = reportDeadLetter(ports, known.tenantId, id, { route, attempts, error });
  await writeConversation(
    ports,
    known.tenantId,
    known.conversationId,
    (current, now) => {
      const moved = deadLetterHead(current, id, { route, reason }, now);
      return moved && { ...current, ...moved };
    },
    known,
  );
}
