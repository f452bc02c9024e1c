/** (EventBridge: IntakeCompleted) → hand-over. */
import { createEventHandler, on } from '../../shared/events/consumer';
import { IntakeCompleted } from '../../shared/events/handover-events';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { type HandOverPorts, handOver } from './hand-over';

export function createHandler(rt: Scoped<HandOverPorts>) {
  return createEventHandler(rt.logger, [
    on(IntakeCompleted, async (data, _metadata, logger) =>
      handOver({ ...(await rt.forTenant(data.tenantId)), logger }, data),
    ),
  ]);
}
