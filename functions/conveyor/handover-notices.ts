/**
 * What the user is told as a handover moves, from the events a record's version wrote: no handover
 * after all (no agents, the intake abandoned, a failure), an agent has the conversation, they wait,
 * the chat moves to another team, or the live chat ended. Sent by the conveyor itself, in order with the messages around
 * them; the record is their once-only key. `tenant` is the view of the conversation's desk.
 */
import type { OutgoingMessage } from '../../shared/clients/outgoing-message';
import type { TenantConfig } from '../../shared/config/tenants';
import type { ChannelRef } from '../../shared/domain/conversation';
import type { OutgoingEvent } from '../../shared/events/define';
import {
  HandoverDeclined,
  HandoverTransferred,
  HandoverWaiting,
  SessionStarted,
} from '../../shared/events/handover-events';
import { SessionEnded } from '../../shared/events/session-ended';
import { safeParse } from '../../shared/validation/zod';

export function noticeFor(
  event: OutgoingEvent,
  tenant: TenantConfig,
  channel: ChannelRef,
): OutgoingMessage | undefined {
  const { messages } = tenant;
  if (event.detailType === SessionStarted.detailType)
    // A chat on CM.com's router handed to MSC heard it from the hand-over, before the mutation.
    return channel.type === 'router' && tenant.desk.type === 'msc'
      ? undefined
      : { text: messages.agentJoined };
  if (event.detailType === HandoverTransferred.detailType) return { text: messages.transferring };
  if (event.detailType === SessionEnded.detailType) return { text: messages.sessionEnded };
  if (event.detailType === HandoverWaiting.detailType) {
    const waiting = safeParse(HandoverWaiting.data, event.detail.data);
    const position = waiting.success ? waiting.data.position : undefined;
    return {
      text:
        position === undefined
          ? messages.waiting
          : messages.queuePosition.replaceAll('{position}', String(position)),
    };
  }
  if (event.detailType !== HandoverDeclined.detailType) return undefined;
  const declined = safeParse(HandoverDeclined.data, event.detail.data);
  if (!declined.success) return undefined;
  const { reason, abandoned } = declined.data;
  const text = {
    no_agents: messages.noAgents,
    closed: messages.closed,
    intake_abandoned: abandoned === 'timeout' ? messages.intakeTimedOut : messages.intakeCancelled,
    failed: messages.handoverFailed,
    withdrawn: messages.pickupTimedOut,
  }[reason];
  return { text };
}
