/** MessageRouted(route=bot) → ask the bot → one BotAnswered per answer it gave. */

import { BotAnswered } from '../../shared/events/bot-answered';
import { conversationEventMetadata, createEvent } from '../../shared/events/define';
import type { UserMessage } from '../../shared/events/shapes';
import { loadConversation } from '../../shared/flow/apply-command';
import { rerouteIfMoved } from '../../shared/flow/reroute';
import { EVENT_DEDUPE_SECONDS } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';
import { once } from '../../shared/store/idempotency-repository';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'publisher' | 'bot' | 'logger'
>;

export interface BotTurn {
  tenantId: string;
  conversationId: string;
  message: UserMessage;
}

export async function askBot(ports: Ports, turn: BotTurn): Promise<void> {
  const { tenantId, conversationId, message } = turn;
  const tenant = ports.tenants.get(tenantId);
  const now = () => ports.clock.now();
  const conversation = await loadConversation(ports, tenantId, conversationId);
  if (!tenant || !conversation) {
    ports.logger.warn('message for an unknown tenant or conversation dropped', { tenantId });
    return;
  }
  // The bot never sees a message once the conversation has left it.
  if (await rerouteIfMoved(ports, conversation, 'bot', message)) return;
  const claim = {
    tenantId,
    scope: 'ask-bot',
    key: `${conversationId}#${message.id}`,
    retentionSeconds: EVENT_DEDUPE_SECONDS,
    inProgressSeconds: Math.ceil(tenant.bot.timeoutMs / 1000) + 30,
  };
  await once(ports.idempotency, claim, now, async () => {
    // A failure here throws: the event is retried, then dead-lettered (the bot got the message id to dedupe on).
    const answers = await ports.bot.ask(tenant, {
      conversationId,
      channel: conversation.channel.type,
      message,
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
          },
        ),
      ),
    );
  });
}
