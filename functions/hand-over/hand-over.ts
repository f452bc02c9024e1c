/**
 * IntakeCompleted → hand the conversation to the agent desk (MSC routing mutation, or the generic
 * webhook), tell Web Conversations for web chat, then lock it to the agent. Any failure before the
 * lock is written: no handover, the user is told, the bot keeps the conversation.
 */
import { OutsideCallError } from '../../shared/clients/http';
import { lockMsOf } from '../../shared/config/tenants';
import { applyCommand } from '../../shared/flow/apply-command';
import { loadConversation, withoutConsumed } from '../../shared/flow/load-conversation';
import { EVENT_DEDUPE_SECONDS } from '../../shared/flow/tell-user';
import { errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { once } from '../../shared/store/idempotency-repository';

export type HandOverPorts = Pick<
  Runtime,
  | 'clock'
  | 'tenants'
  | 'conversations'
  | 'idempotency'
  | 'publisher'
  | 'desk'
  | 'notifications'
  | 'logger'
  | 'publicApiUrl'
>;

/** `eventId`: the IntakeCompleted being handled, if it came as one. */
export async function handOver(
  ports: HandOverPorts,
  event: { tenantId: string; conversationId: string; handoverId: string; answers: Record<string, string> },
  eventId?: string,
): Promise<void> {
  const { tenantId, conversationId, handoverId } = event;
  const tenant = ports.tenants.get(tenantId);
  const loaded = await loadConversation(ports, tenantId, conversationId);
  const conversation = eventId ? withoutConsumed(loaded, eventId) : loaded;
  const handover = conversation?.handover;
  if (!tenant || !conversation || conversation.phase !== 'handing_over' || handover?.id !== handoverId)
    return;
  const lockMs = lockMsOf(tenant);
  await once(
    ports.idempotency,
    {
      tenantId,
      scope: 'hand-over',
      // Handover ids derive from message ids, which are only unique within a conversation.
      key: `${conversationId}#${handoverId}`,
      retentionSeconds: EVENT_DEDUPE_SECONDS,
      inProgressSeconds: Math.ceil(tenant.desk.timeoutMs / 1000) + 60,
    },
    () => ports.clock.now(),
    async () => {
      try {
        await ports.desk.handOver(tenant, {
          conversation,
          handover,
          answers: event.answers,
          agentApiUrl: `${ports.publicApiUrl}/v1/${tenant.id}/agent/conversations/${encodeURIComponent(conversationId)}`,
        });
      } catch (error) {
        // A desk that refused or did not answer in time: a defined outcome, not a retry.
        if (!(error instanceof OutsideCallError)) throw error;
        ports.logger.warn('handover failed at the desk', errorFields(error));
        await applyCommand(
          ports,
          tenantId,
          conversationId,
          (state) =>
            state.phase === 'handing_over' && state.handover?.id === handoverId
              ? { type: 'handoverFailed', stage: `desk:${error.kind}` }
              : undefined,
          conversation,
        );
        return;
      }
      if (conversation.channel.type === 'web') {
        try {
          await ports.notifications.webConversationsHandover(tenant, conversationId);
        } catch (error) {
          // Only the widget's attachment button depends on it; the agent already has the conversation.
          ports.logger.warn('web conversations handover notice failed', errorFields(error));
        }
      }
      const applied = await applyCommand(
        ports,
        tenantId,
        conversationId,
        (state) =>
          state.phase === 'handing_over' && state.handover?.id === handoverId
            ? { type: 'handoverSucceeded', lockMs }
            : undefined,
        conversation,
      );
      ports.logger.info(
        applied.outcome === 'applied' ? 'handed over to the agent desk' : 'handover already claimed',
        {
          desk: tenant.desk.type,
        },
      );
    },
    // The phase checked above is left by either write (or by the desk's claim): it records the handover.
    { recordedInState: true },
  );
}
