/** MessageRouted(route=agent) → the agent desk; each user message keeps the agent's lock alive. */
import type { UserMessage } from '../../shared/events/shapes';
import { applyCommand, loadConversation } from '../../shared/flow/apply-command';
import { rerouteIfMoved } from '../../shared/flow/reroute';
import { EVENT_DEDUPE_SECONDS } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';
import { once } from '../../shared/store/idempotency-repository';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'publisher' | 'desk' | 'logger'
>;

export async function forwardToAgent(
  ports: Ports,
  turn: { tenantId: string; conversationId: string; message: UserMessage },
): Promise<void> {
  const { tenantId, conversationId, message } = turn;
  const tenant = ports.tenants.get(tenantId);
  const conversation = await loadConversation(ports, tenantId, conversationId);
  if (!tenant || !conversation) return;
  if (await rerouteIfMoved(ports, conversation, 'agent', message)) return;
  const lockMs = tenant.session.lockMinutes * 60_000;
  // Sliding lock: only a live session has one to extend (while handing over there is none yet).
  await applyCommand(ports, tenantId, conversationId, (state) =>
    state.phase === 'agent' ? { type: 'activity', lockMs } : undefined,
  );
  const text = message.text ?? message.payload ?? `[${message.unsupportedType ?? 'message'}]`;
  await once(
    ports.idempotency,
    {
      tenantId,
      scope: 'to-agent',
      key: `${conversationId}#${message.id}`,
      retentionSeconds: EVENT_DEDUPE_SECONDS,
      inProgressSeconds: Math.ceil(tenant.desk.timeoutMs / 1000) + 30,
    },
    () => ports.clock.now(),
    () => ports.desk.forwardUserMessage(tenant, conversation, { id: message.id, text }),
  );
}
