/**
 * A status event for the bot, told now by whoever took the step (the conveyor from the step's
 * record, in order with what it delivers to the bot; hand-over when a desk accepted). Tried once in
 * place, since the conversation's next records wait behind it: one the bot does not take goes on as
 * BotEventUnsent, which the relay delivers with the bus's retries, once per step.
 */
import type { TenantConfig } from '../config/tenants';
import type { Conversation } from '../domain/conversation';
import { botEventUnsent } from '../events/bot-event-unsent';
import { errorFields } from '../log/logger';
import type { Runtime } from '../runtime/runtime';
import { type BotStatus, botEventId, botHears } from './bot-status';

type Ports = Pick<Runtime, 'clock' | 'notifications' | 'publisher' | 'logger'>;

export async function tellBotNow(
  ports: Ports,
  tenant: TenantConfig,
  conversation: Pick<Conversation, 'tenantId' | 'conversationId'>,
  status: BotStatus,
): Promise<void> {
  if (!botHears(tenant, status)) return;
  const eventId = botEventId(status);
  try {
    await ports.notifications.botEvent(tenant, conversation.conversationId, { eventId, ...status });
    ports.logger.info('bot told', { event: status.event });
    return;
  } catch (error) {
    ports.logger.warn('bot status event not taken; the relay tells it', {
      event: status.event,
      ...errorFields(error),
    });
  }
  try {
    await ports.publisher.publish([botEventUnsent(conversation, status, eventId, ports.clock.now())]);
  } catch (error) {
    // The bot and the bus both failing: this notice is lost, and the caller's work goes on.
    ports.logger.error('bot status event lost: the bus refused it too', {
      event: status.event,
      ...errorFields(error),
    });
  }
}
