/** (EventBridge: IntakeStarted) → advance-intake: the first question of the prechat intake. */
import { createEventHandler, on } from '../../shared/events/consumer';
import { IntakeStarted } from '../../shared/events/handover-events';
import { beginIntake, type IntakePorts } from './advance-intake';

export function createHandler(rt: IntakePorts) {
  return createEventHandler(rt.logger, [
    on(IntakeStarted, (data, _metadata, logger) => beginIntake({ ...rt, logger }, data)),
  ]);
}
