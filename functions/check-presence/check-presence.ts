/** HandoverRequested → ask the desk whether an agent is available → agentStatus, intake or back to the bot. */
import { applyCommand } from '../../shared/flow/apply-command';
import { loadConversation, withoutConsumed } from '../../shared/flow/load-conversation';
import { EVENT_DEDUPE_SECONDS } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';
import { once } from '../../shared/store/idempotency-repository';

export type PresenceCheckPorts = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'publisher' | 'presence' | 'logger'
>;

export interface PresenceCheck {
  tenantId: string;
  conversationId: string;
  handoverId: string;
  additions: { mscWebstore?: string | undefined; mscChannel: string };
  pageUrl?: string | undefined;
}

/** `eventId`: the HandoverRequested being handled, if it came as one. */
export async function checkPresence(
  ports: PresenceCheckPorts,
  request: PresenceCheck,
  eventId?: string,
): Promise<void> {
  const { tenantId, conversationId, handoverId } = request;
  const tenant = ports.tenants.get(tenantId);
  const loaded = await loadConversation(ports, tenantId, conversationId);
  const conversation = eventId ? withoutConsumed(loaded, eventId) : loaded;
  if (!tenant || conversation?.phase !== 'presence' || conversation.handover?.id !== handoverId) return;
  await once(
    ports.idempotency,
    {
      tenantId,
      scope: 'presence',
      // Handover ids derive from message ids, which are only unique within a conversation.
      key: `${conversationId}#${handoverId}`,
      retentionSeconds: EVENT_DEDUPE_SECONDS,
      // Longer than the function may run (45 s): a live check is never taken for an abandoned one.
      inProgressSeconds: 60,
    },
    () => ports.clock.now(),
    async () => {
      const result = await ports.presence.check(tenant, {
        conversationId,
        channel: request.additions.mscChannel,
        referrer: request.additions.mscWebstore ?? request.pageUrl,
      });
      ports.logger.info('presence checked', {
        status: result.status,
        failure: result.failure,
        expiredMs: result.expiredMs,
      });
      await applyCommand(
        ports,
        tenantId,
        conversationId,
        (state) =>
          state.phase === 'presence' && state.handover?.id === handoverId
            ? { type: 'presenceChecked', status: result.status }
            : undefined,
        conversation,
      );
    },
    // The phase checked above is left by that write (or by another's): it records the check.
    { recordedInState: true },
  );
}
