/**
 * MessagesWaiting → the conversation's inbox, head first, each message to the owner of now. One
 * drainer at a time holds the head (a conditional write), so messages reach their owners in
 * arrival order and once each, however many events asked for the drain and in whatever order.
 */

import { OutsideCallError } from '../../shared/clients/http';
import type { TenantConfig } from '../../shared/config/tenants';
import { type Conversation, effectivePhase } from '../../shared/domain/conversation';
import {
  deadLetterHead,
  headOf,
  MAX_DELIVERY_ATTEMPTS,
  popHead,
  releaseHead,
} from '../../shared/domain/inbox';
import { type Route, routeFor } from '../../shared/domain/routing';
import { messagesWaiting } from '../../shared/events/messages-waiting';
import { writeConversation } from '../../shared/flow/write-conversation';
import { conversationRef, errorFields, idRef } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { type DeliveryPorts, deliverUserMessage } from './deliver-user-message';
import { OwnerChangedError } from './owner-changed';

type Ports = DeliveryPorts & Pick<Runtime, 'inbox'>;

/** A drainer holds the head at most as long as a relay invocation can live (its timeout is 60 s). */
export const HOLD_MS = 65_000;
/** No new message is started after this; the rest is left to a fresh invocation (a MessagesWaiting). */
export const DRAIN_BUDGET_MS = 20_000;
/** No answer is sent by the drain after this: it leaves a channel's whole timeout before the relay's. */
export const SEND_ANSWERS_BUDGET_MS = 25_000;

export async function drainInbox(
  ports: Ports,
  ref: { tenantId: string; conversationId: string },
): Promise<void> {
  const { tenantId, conversationId } = ref;
  const tenant = ports.tenants.get(tenantId);
  if (!tenant) return;
  const started = performance.now();
  for (;;) {
    if (performance.now() - started > DRAIN_BUDGET_MS) {
      await ports.publisher.publish([
        messagesWaiting(tenantId, conversationId, `more:${Date.now()}`, ports.clock.now()),
      ]);
      return;
    }
    // Nothing to take (empty, held by another drainer that drains on, or waiting for presence): done.
    const taken = await ports.inbox.takeInboxHead(tenantId, conversationId, ports.clock.now(), HOLD_MS);
    if (!taken) return;
    // A message appended after the last write here brings its own MessagesWaiting: no need to look.
    if (!(await deliverHead(ports, tenant, taken, started + SEND_ANSWERS_BUDGET_MS))?.inbox?.length) return;
  }
}

/** Delivers the held head, then pops it, gives it back or dead-letters it: the state written last. */
async function deliverHead(
  ports: Ports,
  tenant: TenantConfig,
  state: Conversation,
  sendUntil: number,
): Promise<Conversation | undefined> {
  const { tenantId, conversationId } = state;
  const head = headOf(state);
  if (!head) return;
  const id = head.message.id;
  // Written on the last state this delivery knows of: usually still current, so no read first.
  let known = state;
  const settle = async (change: (current: Conversation, now: number) => Conversation | undefined) => {
    const written = await writeConversation(
      ports,
      tenantId,
      conversationId,
      // Not once another drainer has taken the head: a write decided again after a lost answer
      // (the SDK's resend found a newer version) must not give back or pop a head it no longer holds.
      (current, now) => (isHeldByAnother(current, head.takenBy) ? undefined : change(current, now)),
      known,
    );
    return written.outcome === 'missing' ? undefined : written.state;
  };
  let route: Route = head.route ?? routeFor(effectivePhase(state, ports.clock.now()));
  try {
    ({ route, state: known } = await deliverUserMessage(ports, tenant, state, head.message, {
      stickyRoute: head.route,
      sendUntil,
    }));
  } catch (error) {
    // Not a failure: the owner changed under the delivery, and the next round asks the new one.
    if (error instanceof OwnerChangedError)
      return settle((current, now) => releaseHead(current, id, now, { refund: true }));
    const hopeless = error instanceof OutsideCallError && !error.retryable;
    if (hopeless || head.attempts >= MAX_DELIVERY_ATTEMPTS) {
      ports.logger.error('message dead-lettered', {
        tenantId,
        conversation: conversationRef(tenantId, conversationId),
        messageRef: idRef(id),
        route,
        attempts: head.attempts,
        ...errorFields(error),
      });
      ports.metrics.put({ name: 'MessageDeadLettered', value: 1, unit: 'Count', tenant: tenantId });
      return settle((current, now) => deadLetterHead(current, id, { route, reason: reasonOf(error) }, now));
    }
    // Given back at once, so the retry (or the next message's drain) need not wait for the hold to pass.
    // A timed-out attempt may have reached its owner: the retry goes there too, not to a new one.
    const mayHaveReached = error instanceof OutsideCallError && error.kind !== 'status' ? route : undefined;
    await settle((current, now) => releaseHead(current, id, now, { mayHaveReached })).catch(
      (releaseError: unknown) =>
        ports.logger.warn('giving back a message failed; it is held until the hold passes', {
          ...errorFields(releaseError),
        }),
    );
    throw error;
  }
  // Unless the delivery popped it in its own write already (then this changes nothing).
  return settle((current, now) => popHead(current, id, now));
}

function isHeldByAnother(current: Conversation, take: string | undefined): boolean {
  const holder = headOf(current)?.takenBy;
  return take !== undefined && holder !== undefined && holder !== take;
}

function reasonOf(error: unknown): string {
  if (error instanceof OutsideCallError)
    return `${error.system}:${error.kind}${error.status ? `:${error.status}` : ''}`;
  return error instanceof Error ? error.name : 'unknown';
}
