/** (EventBridge: HandoverRequested) → check-presence. */
import { createEventHandler, on } from '../../shared/events/consumer';
import { HandoverRequested } from '../../shared/events/handover-events';
import { checkPresence, type PresenceCheckPorts } from './check-presence';

export function createHandler(rt: PresenceCheckPorts) {
  return createEventHandler(rt.logger, [
    on(HandoverRequested, (data, _metadata, logger) => checkPresence({ ...rt, logger }, data)),
  ]);
}
