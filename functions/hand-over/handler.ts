/** (EventBridge: IntakeCompleted) → hand-over. */
import { createEventHandler, on } from '../../shared/events/consumer';
import { IntakeCompleted } from '../../shared/events/handover-events';
import type { Runtime } from '../../shared/runtime/runtime';
import { handOver } from './hand-over';

export function createHandler(rt: Runtime) {
  return createEventHandler(rt.logger, [
    on(IntakeCompleted, (data, metadata, logger) => handOver({ ...rt, logger }, data, metadata.id)),
  ]);
}
