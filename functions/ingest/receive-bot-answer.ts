/**
 * (bot, async) → receive bot answer → BotAnswered, the same event a synchronous bot reply becomes.
 * Refused (409) while an agent has the conversation or is being given it.
 */

import { effectivePhase } from '../../shared/domain/conversation';
import { botAnswered } from '../../shared/events/bot-answered';
import { HttpError, notFound } from '../../shared/http/errors';
import type { Runtime } from '../../shared/runtime/runtime';
import type { BotAnswerPush } from './bot-answer-push';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'publisher'>;

export async function receiveBotAnswer(ports: Ports, tenantId: string, push: BotAnswerPush): Promise<void> {
  const now = ports.clock.now();
  const conversation = await ports.conversations.get(tenantId, push.conversationId, now);
  if (!conversation) throw notFound('unknown conversation');
  // An agent has the conversation (or is being given it): the bot may not talk into a live chat.
  const phase = effectivePhase(conversation, now);
  if (phase === 'agent' || phase === 'handing_over')
    throw new HttpError(409, 'live_chat', 'an agent has this conversation: the bot cannot write into it');
  // Pushed answer ids live in their own namespace: they can never collide with derived ones.
  const id = `push:${push.answerId}`;
  await ports.publisher.publish([
    botAnswered(
      conversation,
      { id, text: push.text, outputAdditions: push.outputAdditions, metadata: push.metadata },
      undefined,
      now,
    ),
  ]);
}
