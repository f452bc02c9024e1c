/** (EventBridge) → relay: user messages to their owner in arrival order, answers back, and the notices of a handover's course. */
import { BotAnswered } from '../../shared/events/bot-answered';
import { createEventHandler, on } from '../../shared/events/consumer';
import { AgentMessaged, HandoverDeclined, SessionStarted } from '../../shared/events/handover-events';
import { MessagesWaiting } from '../../shared/events/messages-waiting';
import { SessionEnded } from '../../shared/events/session-ended';
import type { Runtime } from '../../shared/runtime/runtime';
import { deliverAnswer } from './deliver-answer';
import { drainInbox } from './drain-inbox';
import { agentMessaged, handoverDeclined, sessionEnded, sessionStarted } from './session-notices';

/** What relay's use cases need between them: every port but presence. */
export type RelayPorts = Pick<
  Runtime,
  | 'clock'
  | 'tenants'
  | 'conversations'
  | 'inbox'
  | 'idempotency'
  | 'publisher'
  | 'channels'
  | 'bot'
  | 'desk'
  | 'notifications'
  | 'logger'
  | 'metrics'
>;

export function createHandler(rt: RelayPorts) {
  return createEventHandler(rt.logger, [
    on(MessagesWaiting, (data, _metadata, logger) => drainInbox({ ...rt, logger }, data)),
    on(BotAnswered, (data, _metadata, logger) => deliverAnswer({ ...rt, logger }, data)),
    on(HandoverDeclined, (data, _metadata, logger) => handoverDeclined({ ...rt, logger }, data)),
    on(SessionStarted, (data, _metadata, logger) => sessionStarted({ ...rt, logger }, data)),
    on(AgentMessaged, (data, _metadata, logger) => agentMessaged({ ...rt, logger }, data)),
    on(SessionEnded, (data, _metadata, logger) => sessionEnded({ ...rt, logger }, data)),
  ]);
}
