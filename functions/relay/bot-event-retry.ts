/**
 * BotEventUnsent → the bot's status event the conveyor could not deliver in order, told again with
 * the bus's retries: once per step and handover (a redelivery is not sent twice), what the agent
 * left for the bot read from the conversation.
 */
import type { BotEvent } from '../../shared/clients/notifications';
import type { Release } from '../../shared/domain/conversation';
import { botEventId } from '../../shared/flow/bot-status';
import { loadByRef } from '../../shared/flow/load-conversation';
import { oncePerEvent } from '../../shared/flow/once';
import type { ConversationByRef } from '../../shared/ports/conversation-store';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'notifications' | 'logger'
>;

export async function retryBotEvent(
  ports: Ports,
  unsent: ConversationByRef & {
    status: Omit<BotEvent, 'eventId' | 'summary' | 'variables'>;
    released?: boolean | undefined;
  },
): Promise<void> {
  const tenant = ports.tenants.get(unsent.tenantId);
  // The bot is told the conversation's id, and what the agent left for it: both read by reference.
  const conversation = tenant && (await loadByRef(ports, unsent));
  if (!tenant || !conversation) return;
  const { tenantId, conversationId } = conversation;
  const { status } = unsent;
  const last = conversation.lastRelease;
  const release: Release | undefined =
    unsent.released && last?.handoverId === status.handoverId ? last : undefined;
  const eventId = botEventId(status);
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
