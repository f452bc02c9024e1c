/**
 * A handover that is off though the desk may hold it, told to the desk once: one it did not claim
 * by its pickup deadline (it must stop offering it), or one it never answered (it may have taken it).
 */
import type { WithdrawalReason } from '../../shared/clients/agent-desk-client';
import { deskView } from '../../shared/config/desk-routing';
import { loadByRef } from '../../shared/flow/load-conversation';
import { oncePerEvent } from '../../shared/flow/once';
import type { ConversationByRef } from '../../shared/ports/conversation-store';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'tenants' | 'conversations' | 'idempotency' | 'desk' | 'logger'>;

/** A handover that failed without the desk's answer (`desk:timeout`, `desk:network`): it may hold the chat. */
export const deskMayHoldIt = (stage: string | undefined): boolean =>
  stage === 'desk:timeout' || stage === 'desk:network';

/** What HandoverDeclined says of the withdrawn handover. */
type Withdrawn = ConversationByRef & { handoverId: string; skill?: string | undefined };

export async function deskWithdrawn(ports: Ports, event: Withdrawn, reason: WithdrawalReason): Promise<void> {
  const configured = ports.tenants.get(event.tenantId);
  // The desk is told where the chat came from: read by the event's reference.
  const conversation = configured && (await loadByRef(ports, event));
  if (!configured || !conversation) return;
  // The desk the handover's skill routed it to is the one that offered it.
  const tenant = deskView(configured, event.skill);
  const { handoverId } = event;
  const { conversationId, channel } = conversation;
  const result = await oncePerEvent(
    ports,
    { tenantId: tenant.id, conversationId, scope: 'withdrawn-desk', key: handoverId },
    () => ports.desk.handoverWithdrawn(tenant, { conversationId, channel }, handoverId, reason),
  );
  if (result === 'claimed') ports.logger.info('desk told the handover was withdrawn', { reason });
}
