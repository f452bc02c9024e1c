/**
 * (bot, async) → receive bot answer → written into the conversation (one transaction with its id's
 * dedupe record): the stream's consumer delivers it from that write's record, so an answer pushed
 * before a handover began reaches the user before the handover's notices. Refused (409) while an
 * agent has the conversation or is being given it.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import { transcriptPolicyOf } from '../../shared/config/transcript-policy';
import { botEntry } from '../../shared/domain/transcript';
import { answerPushed } from '../../shared/events/bot-answered';
import type { BotAnswer } from '../../shared/events/shapes';
import { HttpError, notFound } from '../../shared/http/errors';
import type { Runtime } from '../../shared/runtime/runtime';
import type { BotAnswerPush } from './bot-answer-push';

type Ports = Pick<Runtime, 'clock' | 'answerPushes'>;

/** A bot retries a push for a while; two days cover any sender's retry horizon. */
const PUSH_DEDUPE_SECONDS = 2 * 24 * 3600;

export async function receiveBotAnswer(
  ports: Ports,
  tenant: TenantConfig,
  push: BotAnswerPush,
): Promise<void> {
  const now = ports.clock.now();
  const tenantId = tenant.id;
  const { conversationId } = push;
  // Pushed answer ids live in their own namespace: they can never collide with derived ones.
  const id = `push:${push.answerId}`;
  const answer = { id, text: push.text, outputAdditions: push.outputAdditions, metadata: push.metadata };
  const recorded = await ports.answerPushes.record(
    { tenantId, conversationId, answerId: id },
    answerPushed({ tenantId, conversationId }, answer, now),
    { scope: 'answer-push', retentionSeconds: PUSH_DEDUPE_SECONDS },
    now,
    remembered(tenant, answer, now),
  );
  if (recorded === 'missing') throw notFound('unknown conversation');
  if (recorded === 'live_chat')
    throw new HttpError(409, 'live_chat', 'an agent has this conversation: the bot cannot write into it');
}

/** The answer as the tenant's transcript keeps it; undefined when it keeps none. */
function remembered(tenant: TenantConfig, answer: BotAnswer, now: number) {
  const policy = transcriptPolicyOf(tenant);
  const entry = botEntry(answer, now, policy.redact);
  return entry && policy.messages > 0 ? { entry, policy } : undefined;
}
