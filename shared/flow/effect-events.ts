/**
 * The events that carry out a transition's effects. Ids name the handover and the step, so the same
 * write published again (a stream record retried) publishes the same ids, which consumers drop.
 */

import type { Conversation, Effect } from '../domain/conversation';
import { conversationEventMetadata, createEvent, type OutgoingEvent } from '../events/define';
import {
  AgentMessaged,
  HandoverDeclined,
  HandoverRequested,
  HandoverTransferred,
  HandoverWaiting,
  IntakeCompleted,
  SessionStarted,
} from '../events/handover-events';
import { SessionEnded } from '../events/session-ended';
import { conversationRef } from '../log/logger';

export function eventsFor(after: Conversation, effects: readonly Effect[], now: number): OutgoingEvent[] {
  const { tenantId, conversationId } = after;
  const meta = (id: string) => conversationEventMetadata(id, tenantId, conversationId, now);
  // Named by reference: the conveyor acts on the item, and the bus must not carry the id.
  const ref = {
    tenantId,
    conversationRef: conversationRef(tenantId, conversationId),
    agentStatus: after.agentStatus,
  };
  return effects.flatMap((effect) => eventFor(effect) ?? []);

  function eventFor(effect: Effect): OutgoingEvent | undefined {
    const handoverId = effect.handoverId;
    switch (effect.type) {
      case 'checkPresence':
        return createEvent(HandoverRequested, meta(`requested:${handoverId}`), { ...ref, handoverId });
      case 'startIntake':
        // The stream's consumer sees the intake start in the write itself and asks the first question.
        return undefined;
      case 'handOver':
        return createEvent(IntakeCompleted, meta(`completed:${handoverId}`), {
          ...ref,
          handoverId,
          skill: after.handover?.additions.skill,
        });
      case 'notifyNoAgents':
        return createEvent(HandoverDeclined, meta(`declined:${handoverId}`), {
          ...ref,
          handoverId,
          reason: effect.closed ? 'closed' : 'no_agents',
        });
      case 'intakeAbandoned':
        return createEvent(HandoverDeclined, meta(`declined:${handoverId}`), {
          ...ref,
          handoverId,
          reason: 'intake_abandoned',
          abandoned: effect.reason,
        });
      case 'notifyHandoverFailed':
        return createEvent(HandoverDeclined, meta(`declined:${handoverId}`), {
          ...ref,
          handoverId,
          reason: 'failed',
          stage: effect.stage,
          skill: effect.skill,
        });
      case 'sessionStarted':
        return createEvent(SessionStarted, meta(`started:${handoverId}`), {
          ...ref,
          handoverId,
          ...(after.handover?.awaitsClaim ? { claimed: true } : {}),
        });
      case 'waitingNotice':
        // Several per handover: the version that wrote it names it.
        return createEvent(HandoverWaiting, meta(`waiting:${handoverId}:${after.version}`), {
          ...ref,
          handoverId,
          position: effect.position,
        });
      case 'handoverWithdrawn':
        return createEvent(HandoverDeclined, meta(`declined:${handoverId}`), {
          ...ref,
          handoverId,
          reason: 'withdrawn',
          skill: effect.skill,
        });
      case 'sessionEnded':
        return createEvent(SessionEnded, meta(`ended:${handoverId}`), {
          ...ref,
          handoverId,
          reason: effect.reason,
          skill: effect.skill,
          ...(after.lastRelease?.handoverId === handoverId ? { released: true } : {}),
        });
      case 'agentMessage':
        // For the conveyor alone (forTheBus leaves it out): it carries the text.
        return createEvent(AgentMessaged, meta(`agent:${effect.message.id}`), {
          ...ref,
          handoverId,
          messageId: effect.message.id,
          text: effect.message.text,
          signOff: effect.message.signOff,
          ...(effect.message.rich ? { rich: effect.message.rich } : {}),
        });
      case 'handoverTransferred':
        return createEvent(HandoverTransferred, meta(`transferred:${handoverId}`), {
          ...ref,
          handoverId,
          toHandoverId: effect.toHandoverId,
          fromSkill: effect.fromSkill,
          skill: after.handover?.additions.skill,
        });
    }
  }
}
