/** What a desk is told when its live chat ended or moved to another skill's desk. */

import { deskView } from '../../shared/config/desk-routing';
import type { EndReason } from '../../shared/domain/conversation';
import { loadByRef } from '../../shared/flow/load-conversation';
import { oncePerEvent } from '../../shared/flow/once';
import type { ConversationByRef } from '../../shared/ports/conversation-store';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'tenants' | 'conversations' | 'idempotency' | 'desk' | 'logger'>;

type HandoverRef = ConversationByRef & { handoverId: string };

async function context(ports: Ports, ref: HandoverRef) {
  const tenant = ports.tenants.get(ref.tenantId);
  const conversation = await loadByRef(ports, ref);
  return tenant && conversation ? { tenant, conversation } : undefined;
}

/** The desk hears the session is over (the bot and the user heard it from the conveyor, in order). */
export async function sessionEnded(
  ports: Ports,
  event: HandoverRef & { reason: EndReason; skill?: string | undefined },
): Promise<void> {
  const found = await context(ports, event);
  if (!found) return;
  const { conversation } = found;
  // The desk the session's skill routed it to is the one to tell.
  const tenant = deskView(found.tenant, event.skill);
  const { tenantId, conversationId } = conversation;
  await oncePerEvent(ports, { tenantId, conversationId, scope: 'ended-desk', key: event.handoverId }, () =>
    ports.desk.sessionEnded(tenant, conversation, event.reason),
  );
}

/**
 * The agent passed the live chat to another skill: the old desk is told its session is over (reason
 * `transferred`); the user and the bot heard it from the conveyor, in order.
 */
export async function handoverTransferred(
  ports: Ports,
  event: HandoverRef & { fromSkill?: string | undefined },
): Promise<void> {
  const found = await context(ports, event);
  if (!found) return;
  const { tenant, conversation } = found;
  await oncePerEvent(
    ports,
    {
      tenantId: tenant.id,
      conversationId: conversation.conversationId,
      scope: 'transferred-desk',
      key: event.handoverId,
    },
    () => ports.desk.sessionEnded(deskView(tenant, event.fromSkill), conversation, 'transferred'),
  );
}
