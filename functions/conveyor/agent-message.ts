/**
 * An agent's message (AgentMessaged, in the write that slid the lock) → the user, from that write's
 * record: in order with the notices of the records around it. No once-only claim: each record is
 * acted on once. One the channel fails to take after the tries in place waits in the item for the
 * relay (park-unsent.ts); one it refuses for good (a 4xx) is counted, not retried.
 */
import { deskOfConversation } from '../../shared/config/desk-routing';
import type { TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import { type Unsent, unsentKey } from '../../shared/domain/unsent';
import type { OutgoingEvent } from '../../shared/events/define';
import { agentTracking } from '../../shared/events/delivery-status';
import { AgentMessaged } from '../../shared/events/handover-events';
import { agentMessageFor, sendToUser, windowClosedNotSent, withinWindow } from '../../shared/flow/tell-user';
import { isRetryableOutside, tryInPlace } from '../../shared/flow/try-in-place';
import { errorFields, idRef } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { safeParse } from '../../shared/validation/zod';
import { parkUnsent } from './park-unsent';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'channels' | 'logger' | 'metrics'>;

export const isAgentMessage = (event: OutgoingEvent): boolean =>
  event.detailType === AgentMessaged.detailType;

/** Returns the conversation as it stands afterwards. */
export async function deliverAgentMessage(
  ports: Ports,
  tenant: TenantConfig,
  state: Conversation,
  event: OutgoingEvent,
): Promise<Conversation> {
  const parsed = safeParse(AgentMessaged.data, event.detail.data);
  if (!parsed.success) {
    ports.logger.error('agent message unreadable; dropped', { eventId: idRef(event.detail.metadata.id) });
    return state;
  }
  const { handoverId, messageId, text, signOff, rich } = parsed.data;
  const entry: Unsent = {
    kind: 'agent',
    key: unsentKey.agent(messageId),
    handoverId,
    messageId,
    text,
    signOff,
    ...(rich ? { rich } : {}),
  };
  // Behind messages already waiting for the relay: it waits too, so the user gets them in order.
  if (state.unsent?.length) return parkUnsent(ports, state, [entry]);
  const message = withinWindow(tenant, state, ports.clock.now(), {
    ...agentMessageFor(deskOfConversation(tenant, state), text, signOff, rich),
    tracking: agentTracking(handoverId, messageId),
  });
  if (!message) {
    windowClosedNotSent(ports, tenant);
    return state;
  }
  const gaveUp = await tryInPlace(
    () => sendToUser(ports, state, message),
    isRetryableOutside,
    () => {},
  );
  if (!gaveUp) return state;
  ports.logger.warn(
    'agent message not sent by the conveyor; it waits for the relay',
    errorFields(gaveUp.error),
  );
  return parkUnsent(ports, state, [entry]);
}
