/**
 * (EventBridge) → relay: answers a bot pushed (or the conveyor could not send), agent messages, and
 * what the bot, the desk and the user hear when a session ends, and the bot's status event for each
 * step of a handover. What the user hears of a handover's course before its end goes out from the
 * conveyor, in order with the messages.
 */
import { BotAnswered } from '../../shared/events/bot-answered';
import { createEventHandler, on } from '../../shared/events/consumer';
import {
  AgentMessaged,
  HandoverAccepted,
  HandoverDeclined,
  HandoverRequested,
  HandoverTransferred,
  SessionStarted,
} from '../../shared/events/handover-events';
import { SessionEnded } from '../../shared/events/session-ended';
import type { Runtime } from '../../shared/runtime/runtime';
import { handoverDeclined, handoverRequested, handoverTaken } from './bot-status';
import { deliverAnswer } from './deliver-answer';
import { deskMayHoldIt, deskWithdrawn } from './desk-withdrawn';
import { agentMessaged, handoverTransferred, sessionEnded } from './session-notices';

/** What relay's use cases need between them. */
export type RelayPorts = Pick<
  Runtime,
  | 'clock'
  | 'tenants'
  | 'conversations'
  | 'idempotency'
  | 'channels'
  | 'desk'
  | 'notifications'
  | 'logger'
  | 'metrics'
>;

export function createHandler(rt: RelayPorts) {
  return createEventHandler(rt.logger, [
    on(BotAnswered, (data, _metadata, logger) => deliverAnswer({ ...rt, logger }, data)),
    on(AgentMessaged, (data, _metadata, logger) => agentMessaged({ ...rt, logger }, data)),
    on(SessionEnded, (data, _metadata, logger) => sessionEnded({ ...rt, logger }, data)),
    on(HandoverRequested, (data, _metadata, logger) => handoverRequested({ ...rt, logger }, data)),
    on(HandoverDeclined, async (data, _metadata, logger) => {
      const ports = { ...rt, logger };
      // The desk first: it must stop offering a chat whose user was told nobody took it.
      if (data.reason === 'withdrawn') await deskWithdrawn(ports, data, 'pickup_timeout');
      await handoverDeclined(ports, data);
      // A desk that never answered may have taken the chat: it is told after the bot (it may be
      // down a while yet, and the bus retries this part alone).
      if (data.reason === 'failed' && deskMayHoldIt(data.stage))
        await deskWithdrawn(ports, data, 'desk_unreachable');
    }),
    on(HandoverAccepted, (data, _metadata, logger) => handoverTaken({ ...rt, logger }, data)),
    on(SessionStarted, (data, _metadata, logger) => handoverTaken({ ...rt, logger }, data)),
    on(HandoverTransferred, (data, _metadata, logger) => handoverTransferred({ ...rt, logger }, data)),
  ]);
}
