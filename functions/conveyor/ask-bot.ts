/** A user message for the bot → the bot's answers (none from a bot that pushes them later). */
import type { TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import type { BotAnswer } from '../../shared/events/shapes';
import { sentAttachment } from '../../shared/media/sent-attachment';
import type { Runtime } from '../../shared/runtime/runtime';
import type { UserTurn } from './user-turn';

type Ports = Pick<Runtime, 'bot' | 'mediaLinks' | 'clock'>;

export async function askBot(
  ports: Ports,
  tenant: TenantConfig,
  conversation: Conversation,
  turn: UserTurn,
): Promise<BotAnswer[]> {
  // A failure throws: the consumer tries again, then dead-letters (the bot gets the message id to dedupe on).
  return ports.bot.ask(tenant, {
    conversationId: turn.conversationId,
    channel: conversation.channel.type,
    message: turn.message,
    attachment: await sentAttachment(
      ports,
      tenant,
      conversation.channel,
      turn.message.attachment,
      tenant.bot.mediaLinks,
    ),
    agentStatus: conversation.agentStatus,
  });
}
