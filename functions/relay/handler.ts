/** (EventBridge) → relay: deliveries between user, bot and agent, and the notices of a handover's course. */
import { BotAnswered } from '../../shared/events/bot-answered';
import { createEventHandler, on } from '../../shared/events/consumer';
import { AgentMessaged, HandoverDeclined, SessionStarted } from '../../shared/events/handover-events';
import { MessageRouted } from '../../shared/events/message-routed';
import { SessionEnded } from '../../shared/events/session-ended';
import type { Runtime } from '../../shared/runtime/runtime';
import { askBot } from './ask-bot';
import { deliverAnswer } from './deliver-answer';
import { forwardToAgent } from './forward-to-agent';
import { agentMessaged, handoverDeclined, sessionEnded, sessionStarted } from './session-notices';

export function createHandler(rt: Runtime) {
  return createEventHandler(rt.logger, [
    on(MessageRouted, async (data, _metadata, logger) => {
      if (data.route === 'bot') return askBot({ ...rt, logger }, data);
      if (data.route === 'agent') return forwardToAgent({ ...rt, logger }, data);
      // Intake messages are advance-intake's; the rule does not send them here.
    }),
    on(BotAnswered, (data, _metadata, logger) => deliverAnswer({ ...rt, logger }, data)),
    on(HandoverDeclined, (data, _metadata, logger) => handoverDeclined({ ...rt, logger }, data)),
    on(SessionStarted, (data, _metadata, logger) => sessionStarted({ ...rt, logger }, data)),
    on(AgentMessaged, (data, _metadata, logger) => agentMessaged({ ...rt, logger }, data)),
    on(SessionEnded, (data, _metadata, logger) => sessionEnded({ ...rt, logger }, data)),
  ]);
}
