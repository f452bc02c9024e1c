/**
 * WhatsApp's status of an agent's message (DeliveryStatusReported) → the desk that wrote it. Found
 * again by reference: the conversation, its current handover, the message among the last agent
 * message ids the handover keeps. A status of an earlier handover, or of a message no longer kept,
 * is logged and dropped: the desk of now did not write it.
 */

import type * as z from 'zod/mini';
import { deskOfConversation } from '../../shared/config/desk-routing';
import type { DeliveryStatusReported } from '../../shared/events/delivery-status';
import { loadByRef } from '../../shared/flow/load-conversation';
import { idRef } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'tenants' | 'conversations' | 'desk' | 'logger'>;

export async function deliveryStatus(
  ports: Ports,
  event: z.output<(typeof DeliveryStatusReported)['data']>,
): Promise<void> {
  const tenant = ports.tenants.get(event.tenantId);
  const conversation = await loadByRef(ports, event);
  const handover = conversation?.handover;
  const messageId =
    handover?.id === event.handoverId
      ? handover.agentMessageIds?.find((id) => idRef(id) === event.messageRef)
      : undefined;
  if (!tenant || !conversation || !messageId) {
    ports.logger.info('status of a message no desk of now wrote; dropped', { status: event.status });
    return;
  }
  await ports.desk.deliveryStatus(deskOfConversation(tenant, conversation), conversation, {
    messageId,
    status: event.status,
    at: event.at,
    error: event.error,
  });
}
