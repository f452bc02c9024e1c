/** (EventBridge: IntakeStarted, MessageRouted route=intake) → advance-intake. */
import { createEventHandler, on } from '../../shared/events/consumer';
import { IntakeStarted } from '../../shared/events/handover-events';
import { MessageRouted } from '../../shared/events/message-routed';
import type { Runtime } from '../../shared/runtime/runtime';
import { answerQuestion, beginIntake } from './advance-intake';

export function createHandler(rt: Runtime) {
  return createEventHandler(rt.logger, [
    on(IntakeStarted, (data, _metadata, logger) => beginIntake({ ...rt, logger }, data)),
    on(MessageRouted, async (data, _metadata, logger) => {
      if (data.route === 'intake') await answerQuestion({ ...rt, logger }, data);
    }),
  ]);
}
