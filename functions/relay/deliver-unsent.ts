/**
 * MessageUnsent → the messages for the user the conveyor could not send, read from the conversation
 * item and sent oldest first, up to and including the one the event names (an older one still
 * waiting goes first: the user gets them in their order). Each sent is taken out of the item; one
 * already taken out was sent before. One relay run at a time
 * per conversation: another finds the claim held and fails, so the bus tries it again later.
 */

import { deskOfConversation } from '../../shared/config/desk-routing';
import type { TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import { type Unsent, withoutUnsent } from '../../shared/domain/unsent';
import { agentTracking } from '../../shared/events/delivery-status';
import { loadByRef } from '../../shared/flow/load-conversation';
import {
  agentMessageFor,
  answerMessage,
  sendToUser,
  windowClosedNotSent,
  withinWindow,
} from '../../shared/flow/tell-user';
import { writeConversation } from '../../shared/flow/write-conversation';
import { idRef } from '../../shared/log/logger';
import type { ConversationByRef } from '../../shared/ports/conversation-store';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'channels' | 'logger' | 'metrics'
>;

/** Longer than a relay run may take (its Lambda timeout): a live run is never taken for a dead one. */
const RUN_SECONDS = 120;

/** No send starts after this much of a run: what went out is taken out in time, the rest next run. */
export const UNSENT_RUN_BUDGET_MS = 60_000;

/** The bus tries the event again: another run holds the conversation, or time ran short. */
export class UnsentBusyError extends Error {
  override readonly name = 'UnsentBusyError';
}

export async function deliverUnsent(
  ports: Ports,
  event: ConversationByRef & { keyRef: string },
): Promise<void> {
  const tenant = ports.tenants.get(event.tenantId);
  const conversation = await loadByRef(ports, event);
  const waiting = conversation?.unsent ?? [];
  const position = waiting.findIndex((entry) => idRef(entry.key) === event.keyRef);
  if (!tenant || !conversation || position < 0) return;
  const { tenantId, conversationId } = conversation;
  const claim = {
    tenantId,
    conversationId,
    scope: 'unsent',
    key: 'run',
    retentionSeconds: RUN_SECONDS,
    inProgressSeconds: RUN_SECONDS,
  };
  const held = await ports.idempotency.claim(claim, ports.clock.now());
  if (held === 'duplicate')
    throw new UnsentBusyError('another run is sending this conversation’s waiting messages');
  const sent: string[] = [];
  const sendUntil = performance.now() + UNSENT_RUN_BUDGET_MS;
  try {
    for (const entry of waiting.slice(0, position + 1)) {
      if (performance.now() > sendUntil) throw new UnsentBusyError('time ran short; the rest next run');
      await send(ports, tenant, conversation, entry);
      sent.push(entry.key);
    }
  } finally {
    // What went out is taken out, even when a later one failed (the bus tries that one again).
    if (sent.length) await takeOut(ports, conversation, sent);
    await ports.idempotency.release(claim, held);
  }
  ports.logger.info('waiting messages sent by the relay', { sent: sent.length });
}

/** One message, and what an answer asks for; a 4xx of the channel is reported and done with. */
async function send(ports: Ports, tenant: TenantConfig, conversation: Conversation, entry: Unsent) {
  if (entry.kind === 'notice') {
    await sendToUser(ports, conversation, { text: entry.text });
    return;
  }
  if (entry.kind === 'agent') {
    const desk = deskOfConversation(tenant, conversation);
    const message = withinWindow(tenant, conversation, ports.clock.now(), {
      ...agentMessageFor(desk, entry.text, entry.signOff, entry.rich),
      tracking: agentTracking(entry.handoverId, entry.messageId),
    });
    if (message) await sendToUser(ports, conversation, message);
    else windowClosedNotSent(ports, tenant);
    return;
  }
  // What the answer asks for was applied when it was parked (its notices wait behind it).
  const message = answerMessage(entry.answer);
  if (message) await sendToUser(ports, conversation, message);
}

async function takeOut(ports: Ports, conversation: Conversation, keys: readonly string[]) {
  const { tenantId, conversationId } = conversation;
  await writeConversation(
    ports,
    tenantId,
    conversationId,
    (state, now) => withoutUnsent(state, keys, now),
    conversation,
  );
}
