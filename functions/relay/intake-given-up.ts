/**
 * A prechat dialog the bot runs (`intake.by: "bot"`) that never ended: the sweep gave the handover
 * up at the intake's timeout, the conveyor told the user, and the bot hears it here as a session
 * event (`LIVECHAT_INTAKE_TIMEOUT`), once.
 */
import { LIVECHAT_INTAKE_TIMEOUT } from '../../shared/domain/livechat-payloads';
import { once } from '../../shared/flow/once';
import { EVENT_DEDUPE_SECONDS } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'tenants' | 'idempotency' | 'notifications' | 'logger'>;

/** The sweep's stage for an intake past its timeout. */
export const INTAKE_TIMEOUT_STAGE = 'timeout:intake';

export async function handoverDeclined(
  ports: Ports,
  event: {
    tenantId: string;
    conversationId: string;
    handoverId: string;
    reason: string;
    stage?: string | undefined;
  },
): Promise<void> {
  const tenant = ports.tenants.get(event.tenantId);
  if (tenant?.intake.by !== 'bot' || event.reason !== 'failed' || event.stage !== INTAKE_TIMEOUT_STAGE)
    return;
  await once(
    ports.idempotency,
    {
      tenantId: tenant.id,
      scope: 'intake-timeout-bot',
      key: `${event.conversationId}#${event.handoverId}`,
      retentionSeconds: EVENT_DEDUPE_SECONDS,
      inProgressSeconds: 60,
    },
    () => ports.clock.now(),
    () => ports.notifications.botSessionEvent(tenant, event.conversationId, LIVECHAT_INTAKE_TIMEOUT),
  );
  ports.logger.info('bot told its prechat dialog was given up');
}
