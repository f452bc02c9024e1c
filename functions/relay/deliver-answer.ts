/**
 * An answer the conveyor could not send (MessageUnsent, read from the item) → deliver its text to
 * the user, once per answer; one that asks for a handover (or ends a bot-run intake) applies that too.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import type { ChannelRef } from '../../shared/domain/conversation';
import { handoverCommandFor, handoverRequestOf } from '../../shared/domain/handover-trigger';
import type { BotAnswer } from '../../shared/events/shapes';
import { applyCommand } from '../../shared/flow/apply-command';
import { botIntakeCommand, endsBotIntake } from '../../shared/flow/bot-intake';
import { loadConversation } from '../../shared/flow/load-conversation';
import { oncePerEvent } from '../../shared/flow/once';
import { tellUser } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<
  Runtime,
  'clock' | 'tenants' | 'conversations' | 'idempotency' | 'channels' | 'logger' | 'metrics'
>;

export interface AnswerDelivery {
  tenantId: string;
  conversationId: string;
  answer: BotAnswer;
  pageUrl?: string | undefined;
  channel?: ChannelRef | undefined;
}

export async function deliverAnswer(ports: Ports, delivery: AnswerDelivery): Promise<void> {
  const { tenantId, conversationId, answer } = delivery;
  const tenant = ports.tenants.get(tenantId);
  // The event names the channel (the hot path reads nothing); an older one without it is looked up.
  const channel = delivery.channel ?? (await loadConversation(ports, tenantId, conversationId))?.channel;
  if (!tenant || !channel) {
    ports.logger.warn('answer for an unknown tenant or conversation dropped', { tenantId });
    return;
  }
  // The answer's text is delivered first, whether or not it also asks for a handover.
  if (answer.text)
    await tellUser(ports, { tenantId, conversationId, channel }, `answer:${answer.id}`, {
      text: answer.text,
    });

  // A pushing bot ends its own prechat dialog the same way a replying one does.
  if (tenant.intake.by === 'bot' && endsBotIntake(answer)) await endBotIntake(ports, tenant, delivery);
  const additions = handoverRequestOf(answer, tenant.handoverEvent);
  if (!additions) return;
  // Once per answer: a redelivered answer must not start a handover that already came and went.
  const outcome = await applyOncePerAnswer(ports, delivery, 'handover-request', (state, now) =>
    handoverCommandFor(answer, tenant.handoverEvent, delivery.pageUrl, state, now),
  );
  ports.logger.info(outcome === 'applied' ? 'handover requested' : 'handover request ignored', {
    tenantId,
    skill: additions.skill !== undefined,
  });
}

/** Once per answer: one that completes or cancels a bot-run intake does so for that intake only. */
async function endBotIntake(ports: Ports, tenant: TenantConfig, delivery: AnswerDelivery) {
  const outcome = await applyOncePerAnswer(ports, delivery, 'bot-intake-end', (state, now) =>
    botIntakeCommand(tenant, [delivery.answer], state, now, () =>
      ports.logger.warn('customerInfo is not a JSON object of strings; handed over without it'),
    ),
  );
  if (outcome === 'applied') ports.logger.info('bot-run intake ended by a pushed answer');
}

/** Applies what an answer decides, once per answer and scope; `duplicate` when it was done before. */
async function applyOncePerAnswer(
  ports: Ports,
  { tenantId, conversationId, answer }: AnswerDelivery,
  scope: string,
  decide: Parameters<typeof applyCommand>[3],
): Promise<string> {
  let outcome = 'duplicate';
  await oncePerEvent(
    ports,
    { tenantId, conversationId, scope, key: answer.id },
    async () => {
      outcome = (await applyCommand(ports, tenantId, conversationId, decide)).outcome;
    },
    30,
  );
  return outcome;
}
