/** BotAnswered → deliver the answer's text to the user on the conversation's channel. */
import type { BotAnswer } from '../../shared/events/shapes';
import type { Runtime } from '../../shared/runtime/runtime';
import { once } from '../../shared/store/idempotency-repository';
import { EVENT_DEDUPE_SECONDS } from './dedupe';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'idempotency' | 'channels' | 'logger'>;

export interface AnswerDelivery {
  tenantId: string;
  conversationId: string;
  answer: BotAnswer;
}

export async function deliverAnswer(ports: Ports, delivery: AnswerDelivery): Promise<void> {
  const { tenantId, conversationId, answer } = delivery;
  const now = () => ports.clock.now();
  const conversation = await ports.conversations.get(tenantId, conversationId, now());
  if (!conversation) {
    ports.logger.warn('answer for an unknown conversation dropped', { tenantId });
    return;
  }
  const text = answer.text;
  if (text === undefined || text === '') return;
  const claim = {
    tenantId,
    scope: 'deliver-answer',
    key: `${conversationId}#${answer.id}`,
    retentionSeconds: EVENT_DEDUPE_SECONDS,
    inProgressSeconds: 60,
  };
  await once(ports.idempotency, claim, now, () => ports.channels.send(conversation, { text }));
}
