/** (EventBridge: HandoverRequested) → check-presence. */
import { createEventHandler, on } from '../../shared/events/consumer';
import { HandoverRequested } from '../../shared/events/handover-events';
import type { Runtime } from '../../shared/runtime/runtime';
import { checkPresence } from './check-presence';

export function createHandler(rt: Runtime) {
  return createEventHandler(rt.logger, [
    on(HandoverRequested, (data, metadata, logger) => checkPresence({ ...rt, logger }, data, metadata.id)),
  ]);
}
