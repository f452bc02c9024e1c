/** (EventBridge schedule) → expire-sessions. */
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import type { CorePorts } from '../../shared/runtime/runtime';
import { expireSessions, type SweepPorts, type SweepResult } from './expire-sessions';

export function createHandler(rt: CorePorts & SweepPorts) {
  return middy<ScheduledEvent, SweepResult>().handler(async () => {
    const result = await expireSessions(rt);
    if (result.found > 0) rt.logger.info('expiry sweep', { ...result });
    return result;
  });
}
