/** Which funnel metric a transition's effect counts for; time to agent from the request to the lock. */
import type { Conversation, Effect } from '../domain/conversation';
import type { MetricPoint } from '../log/metrics';

export function funnelPoints(before: Conversation, effects: readonly Effect[], now: number): MetricPoint[] {
  const tenant = before.tenantId;
  const count = (name: MetricPoint['name']): MetricPoint => ({ name, value: 1, unit: 'Count', tenant });
  return effects.flatMap((effect) => pointsOf(effect));

  function pointsOf(effect: Effect): MetricPoint[] {
    switch (effect.type) {
      case 'checkPresence':
        return [count('HandoverRequested')];
      case 'notifyNoAgents':
        return [count('AgentsOffline')];
      case 'startIntake':
        return [count('IntakeStarted')];
      case 'handOver':
        return [count('IntakeCompleted')];
      case 'intakeAbandoned':
        return [count('IntakeAbandoned')];
      case 'notifyHandoverFailed':
        return [{ ...count('HandoverFailed'), stage: effect.stage }];
      case 'sessionStarted': {
        const requestedAt = before.handover?.requestedAt;
        const waited: MetricPoint[] =
          requestedAt === undefined
            ? []
            : [{ name: 'TimeToAgent', value: now - requestedAt, unit: 'Milliseconds', tenant }];
        return [count('HandedOver'), ...waited];
      }
      case 'sessionEnded':
        return [count(effect.reason === 'expired' ? 'SessionExpired' : 'SessionEnded')];
      case 'handoverWithdrawn':
        return [count('HandoverWithdrawn')];
      case 'handoverTransferred':
        return [count('HandoverTransferred')];
      case 'waitingNotice':
      case 'agentMessage':
        return [];
    }
  }
}
