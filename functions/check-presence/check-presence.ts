/**
 * HandoverRequested → outside business hours, or when the desk has no agent available: back to the
 * bot; otherwise the intake starts.
 */
import { deskView } from '../../shared/config/desk-routing';
import { isOpenAt } from '../../shared/domain/business-hours';
import { applyCommand } from '../../shared/flow/apply-command';
import { loadByRef } from '../../shared/flow/load-conversation';
import type { ConversationByRef } from '../../shared/ports/conversation-store';
import type { Runtime } from '../../shared/runtime/runtime';

export type PresenceCheckPorts = Pick<Runtime, 'clock' | 'tenants' | 'conversations' | 'presence' | 'logger'>;

/** The handover to check, as HandoverRequested names it: the rest is read with the conversation. */
export type PresenceCheck = ConversationByRef & { handoverId: string };

/**
 * No once-only claim: the write that records the answer leaves the phase checked here, so a
 * redelivered event finds nothing to do, and one delivered twice at the same moment costs a
 * presence lookup the cache answers and a refused write.
 */
export async function checkPresence(ports: PresenceCheckPorts, request: PresenceCheck): Promise<void> {
  const { tenantId, handoverId } = request;
  const tenant = ports.tenants.get(tenantId);
  const conversation = await loadByRef(ports, request);
  const handover = conversation?.handover;
  if (!tenant || conversation?.phase !== 'presence' || handover?.id !== handoverId) return;
  const { conversationId } = conversation;
  const { additions, pageUrl } = handover;
  const intakeTimeoutMs = tenant.intake.timeoutMinutes * 60_000;
  if (tenant.businessHours && !isOpenAt(tenant.businessHours, ports.clock.now())) {
    ports.logger.info('closed: outside business hours');
    await applyCommand(
      ports,
      tenantId,
      conversationId,
      () => ({ type: 'presenceChecked', handoverId, status: 'offline', closed: true }),
      conversation,
    );
    return;
  }
  // The desk the handover's skill routes to is the one whose agents must be there.
  const desk = deskView(tenant, additions.skill);
  const result = await ports.presence.check(desk, {
    conversationId,
    channel: additions.mscChannel,
    referrer: additions.mscWebstore ?? pageUrl,
  });
  ports.logger.info('presence checked', {
    desk: desk.deskName,
    status: result.status,
    failure: result.failure,
    expiredMs: result.expiredMs,
  });
  await applyCommand(
    ports,
    tenantId,
    conversationId,
    () => ({ type: 'presenceChecked', handoverId, status: result.status, intakeTimeoutMs }),
    conversation,
  );
}
