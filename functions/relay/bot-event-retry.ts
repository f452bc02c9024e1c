/**
 * BotEventUnsent → the bot's status event the conveyor could not deliver in order, told again with
 * the bus's retries: once per step and handover (a redelivery is not sent twice), what the agent
 * left for the bot read from the conversation.
 */
import type { BotEvent } from '../../shared/clients/notifications';
import type { Release } from '../../shared/domain/conversation';
import { loadConversation } from '../../shared/flow/load-conversation';
import { oncePerEvent } from '../../shared/flow/once';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'notifications' | 'logger'
>;

export async function retryBotEvent(
  ports: Ports,
  unsent: {
    tenantId: string;
    conversationId: string;
    status: Omit<BotEvent, 'eventId' | 'summary' | 'variables'>;
    released?: boolean | undefined;
  },
): Promise<void> {
  const tenant = ports.tenants.get(unsent.tenantId);
  if (!tenant) return;
  const { tenantId, conversationId, status } = unsent;
  let release: Release | undefined;
  if (unsent.released) {
    const conversation = await loadConversation(ports, tenantId, conversationId);
    const last = conversation?.lastRelease;
    release = last?.handoverId === status.handoverId ? last : undefined;
  }
  const eventId = `${status.event}:${status.handoverId}`;
  const result = await oncePerEvent(
    ports,
    { tenantId, conversationId, scope: 'bot-event', key: eventId },
    () =>
      ports.notifications.botEvent(tenant, conversationId, {
        eventId,
        ...status,
        ...(release ? { summary: release.summary, variables: release.variables } : {}),
      }),
  );
  if (result === 'claimed') ports.logger.info('bot told after a retry', { event: status.event });
}
