/** A user message for the bot → the bot → one BotAnswered per answer it gave. */
import type { TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import { BotAnswered } from '../../shared/events/bot-answered';
import { conversationEventMetadata, createEvent } from '../../shared/events/define';
import type { Runtime } from '../../shared/runtime/runtime';
import type { UserTurn } from './user-turn';

type Ports = Pick<Runtime, 'clock' | 'publisher' | 'bot'>;

export async function askBot(
  ports: Ports,
  tenant: TenantConfig,
  conversation: Conversation,
  turn: UserTurn,
): Promise<void> {
  const { tenantId, conversationId } = turn;
  // A failure throws: the drain retries, then dead-letters (the bot gets the message id to dedupe on).
  const answers = await ports.bot.ask(tenant, {
    conversationId,
    channel: conversation.channel.type,
    message: turn.message,
  });
  const now = ports.clock.now();
  await ports.publisher.publish(
    answers.map((answer) =>
      createEvent(
        BotAnswered,
        conversationEventMetadata(`answer:${answer.id}`, tenantId, conversationId, now),
        { tenantId, conversationId, answer, pageUrl: turn.message.pageUrl, channel: conversation.channel },
      ),
    ),
  );
}
