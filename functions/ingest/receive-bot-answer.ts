/** (bot, async) → receive bot answer → BotAnswered, the same event a synchronous bot reply becomes. */

import { botAnswered } from '../../shared/events/bot-answered';
import { notFound } from '../../shared/http/errors';
import type { Runtime } from '../../shared/runtime/runtime';
import type { BotAnswerPush } from './bot-answer-push';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'publisher'>;

export async function receiveBotAnswer(ports: Ports, tenantId: string, push: BotAnswerPush): Promise<void> {
  const now = ports.clock.now();
  const conversation = await ports.conversations.get(tenantId, push.conversationId, now);
  if (!conversation) throw notFound('unknown conversation');
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
