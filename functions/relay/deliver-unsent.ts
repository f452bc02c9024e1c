/**
 * MessageUnsent → a message for the user the conveyor could not send, read from the conversation
 * item: delivered with the bus's retries (once per key), an answer's request applied with it, then
 * taken out of the item. One already taken out was delivered before: nothing to do.
 */
import { deskOfConversation } from '../../shared/config/desk-routing';
import { withoutUnsent } from '../../shared/domain/unsent';
import { applyCommand } from '../../shared/flow/apply-command';
import { loadByRef } from '../../shared/flow/load-conversation';
import { agentMessageFor, tellUser } from '../../shared/flow/tell-user';
import { idRef } from '../../shared/log/logger';
import type { ConversationByRef } from '../../shared/ports/conversation-store';
import type { Runtime } from '../../shared/runtime/runtime';
import { deliverAnswer } from './deliver-answer';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'channels' | 'logger' | 'metrics'
>;

export async function deliverUnsent(
  ports: Ports,
  event: ConversationByRef & { keyRef: string },
): Promise<void> {
  const tenant = ports.tenants.get(event.tenantId);
  const conversation = await loadByRef(ports, event);
  const entry = conversation?.unsent?.find((unsent) => idRef(unsent.key) === event.keyRef);
  if (!tenant || !conversation || !entry) return;
  const { tenantId, conversationId } = conversation;
  if (entry.kind === 'agent') {
    const message = agentMessageFor(deskOfConversation(tenant, conversation), entry.text, entry.signOff);
    await tellUser(ports, conversation, entry.key, message);
  } else {
    await deliverAnswer(ports, { ...conversation, answer: entry.answer, pageUrl: entry.pageUrl });
  }
  await applyCommand(ports, tenantId, conversationId, () => undefined, conversation, {
    alongside: (state, now) => withoutUnsent(state, entry.key, now),
  });
  ports.logger.info('unsent message delivered by the relay', { kind: entry.kind });
}
