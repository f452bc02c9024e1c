/** (EventBridge: IntakeCompleted) → hand-over. */
import { createEventHandler, on } from '../../shared/events/consumer';
import { IntakeCompleted } from '../../shared/events/handover-events';
import { type HandOverPorts, handOver } from './hand-over';

export function createHandler(rt: HandOverPorts) {
  return createEventHandler(rt.logger, [
    on(IntakeCompleted, (data, _metadata, logger) => handOver({ ...rt, logger }, data)),
  ]);
}
