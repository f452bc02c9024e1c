/** MessageRouted(route=bot) → ask the bot → one BotAnswered per answer it gave. */

import { BotAnswered } from '../../shared/events/bot-answered';
import { conversationEventMetadata, createEvent } from '../../shared/events/define';
import { deliverToOwner, type UserTurn } from '../../shared/flow/reroute';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'publisher' | 'bot' | 'logger'
>;

export async function askBot(ports: Ports, turn: UserTurn): Promise<void> {
  const { tenantId, conversationId } = turn;
  const tenant = ports.tenants.get(tenantId);
  if (!tenant) return;
  const now = () => ports.clock.now();
  const inProgressSeconds = Math.ceil(tenant.bot.timeoutMs / 1000) + 30;
  // The bot never sees a message once the conversation has left it.
  await deliverToOwner(ports, turn, 'bot', inProgressSeconds, async (conversation) => {
    // A failure here throws: the event is retried, then dead-lettered (the bot got the message id to dedupe on).
    const answers = await ports.bot.ask(tenant, {
      conversationId,
      channel: conversation.channel.type,
      message: turn.message,
    });
    await ports.publisher.publish(
      answers.map((answer) =>
        createEvent(
          BotAnswered,
          conversationEventMetadata(`answer:${answer.id}`, tenantId, conversationId, now()),
          {
            tenantId,
            conversationId,
            answer,
            pageUrl: turn.message.pageUrl,
          },
        ),
      ),
    );
  });
}
