/** (EventBridge schedule) → expire-sessions. */
import type { ScheduledEvent } from 'aws-lambda';
import type { CorePorts } from '../../shared/runtime/runtime';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { expireSessions, type SweepPorts, type SweepResult } from './expire-sessions';

export function createHandler(rt: Scoped<CorePorts & SweepPorts>) {
  return async (_event: ScheduledEvent): Promise<SweepResult> => {
    const result = await expireSessions(rt);
    if (result.found > 0) rt.logger.info('expiry sweep', { ...result });
    return result;
  };
}
