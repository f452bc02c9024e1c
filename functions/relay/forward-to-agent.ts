/** MessageRouted(route=agent) → the agent desk; each user message keeps the agent's lock alive. */

import { lockMsOf } from '../../shared/config/tenants';
import { applyCommand } from '../../shared/flow/apply-command';
import { deliverToOwner, OwnerChangedError, type UserTurn } from '../../shared/flow/reroute';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'publisher' | 'desk' | 'logger'
>;

export async function forwardToAgent(ports: Ports, turn: UserTurn): Promise<void> {
  const { tenantId, conversationId, message } = turn;
  const tenant = ports.tenants.get(tenantId);
  if (!tenant) return;
  const lockMs = lockMsOf(tenant);
  const inProgressSeconds = Math.ceil(tenant.desk.timeoutMs / 1000) + 30;
  await deliverToOwner(ports, turn, 'agent', inProgressSeconds, async (conversation) => {
    // Sliding lock: only a live session has one to extend (while handing over there is none yet).
    const applied = await applyCommand(ports, tenantId, conversationId, (state) =>
      state.phase === 'agent' ? { type: 'activity', lockMs } : undefined,
    );
    // The session ended between the owner check and the write: the retry sends the message on.
    if (
      applied.outcome !== 'applied' &&
      applied.outcome !== 'missing' &&
      applied.state.phase !== 'handing_over'
    ) {
      throw new OwnerChangedError('the live chat ended before the message reached the desk');
    }
    const text = message.text ?? message.payload ?? `[${message.unsupportedType ?? 'message'}]`;
    await ports.desk.forwardUserMessage(tenant, conversation, { id: message.id, text });
  });
}
