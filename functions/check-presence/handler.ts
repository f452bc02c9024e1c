/** (EventBridge: HandoverRequested) → check-presence. */
import { createEventHandler, on } from '../../shared/events/consumer';
import { HandoverRequested } from '../../shared/events/handover-events';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { checkPresence, type PresenceCheckPorts } from './check-presence';

export function createHandler(rt: Scoped<PresenceCheckPorts>) {
  return createEventHandler(rt.logger, [
    on(HandoverRequested, async (data, _metadata, logger) =>
      checkPresence({ ...(await rt.forTenant(data.tenantId)), logger }, data),
    ),
  ]);
}
