/** A handover the desk did not claim by its pickup deadline: the desk is told to stop offering it, once. */
import { deskView } from '../../shared/config/desk-routing';
import { once } from '../../shared/flow/once';
import { EVENT_DEDUPE_SECONDS } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'tenants' | 'idempotency' | 'desk' | 'logger'>;

export async function deskWithdrawn(
  ports: Ports,
  event: { tenantId: string; conversationId: string; handoverId: string; skill?: string | undefined },
): Promise<void> {
  const configured = ports.tenants.get(event.tenantId);
  if (!configured) return;
  // The desk the handover's skill routed it to is the one that offered it.
  const tenant = deskView(configured, event.skill);
  const result = await once(
    ports.idempotency,
    {
      tenantId: tenant.id,
      scope: 'withdrawn-desk',
      key: `${event.conversationId}#${event.handoverId}`,
      retentionSeconds: EVENT_DEDUPE_SECONDS,
      inProgressSeconds: 60,
    },
    () => ports.clock.now(),
    () => ports.desk.handoverWithdrawn(tenant, event.conversationId, event.handoverId),
  );
  if (result === 'claimed') ports.logger.info('desk told the handover was withdrawn');
}
