/** A user message for the agent → the agent desk; each one keeps the agent's lock alive. */
import { lockMsOf, type TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import { applyCommand } from '../../shared/flow/apply-command';
import type { Runtime } from '../../shared/runtime/runtime';
import { OwnerChangedError } from './owner-changed';
import type { UserTurn } from './user-turn';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'publisher' | 'desk'>;

/**
 * `conversation`: the state the drain holds, so the lock's extension needs no read first. Returns
 * the state after it (undefined when the conversation is gone).
 */
export async function forwardToAgent(
  ports: Ports,
  tenant: TenantConfig,
  turn: UserTurn,
  conversation?: Conversation,
): Promise<Conversation | undefined> {
  const { tenantId, conversationId, message } = turn;
  const lockMs = lockMsOf(tenant);
  // Sliding lock: only a live session has one to extend (while handing over there is none yet).
  const applied = await applyCommand(
    ports,
    tenantId,
    conversationId,
    (state) => (state.phase === 'agent' ? { type: 'activity', lockMs } : undefined),
    conversation,
  );
  if (applied.outcome === 'missing') return undefined;
  // The session ended between the owner check and the write: the drain asks the owner of now.
  if (applied.outcome !== 'applied' && applied.state.phase !== 'handing_over') {
    throw new OwnerChangedError('the live chat ended before the message reached the desk');
  }
  const text = message.text ?? message.payload ?? `[${message.unsupportedType ?? 'message'}]`;
  await ports.desk.forwardUserMessage(tenant, applied.state, { id: message.id, text });
  return applied.state;
}
