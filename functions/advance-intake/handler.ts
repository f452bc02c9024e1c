/** (EventBridge: IntakeStarted) → advance-intake: the first question of the prechat intake. */
import { createEventHandler, on } from '../../shared/events/consumer';
import { IntakeStarted } from '../../shared/events/handover-events';
import type { Runtime } from '../../shared/runtime/runtime';
import { beginIntake } from './advance-intake';

export function createHandler(rt: Runtime) {
  return createEventHandler(rt.logger, [
    on(IntakeStarted, (data, _metadata, logger) => beginIntake({ ...rt, logger }, data)),
  ]);
}
