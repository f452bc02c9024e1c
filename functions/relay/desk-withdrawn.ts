/** A handover the desk did not claim by its pickup deadline: the desk is told to stop offering it, once. */
import { deskView } from '../../shared/config/desk-routing';
import { oncePerEvent } from '../../shared/flow/once';
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
  const { conversationId, handoverId } = event;
  const result = await oncePerEvent(
    ports,
    { tenantId: tenant.id, conversationId, scope: 'withdrawn-desk', key: handoverId },
    () => ports.desk.handoverWithdrawn(tenant, event.conversationId, event.handoverId),
  );
  if (result === 'claimed') ports.logger.info('desk told the handover was withdrawn');
}
