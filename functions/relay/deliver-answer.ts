/** What an answer the relay delivered asks for (a handover, the end of a bot-run intake), applied once. */
import type { TenantConfig } from '../../shared/config/tenants';
import { handoverCommandFor, handoverRequestOf } from '../../shared/domain/handover-trigger';
import type { BotAnswer } from '../../shared/events/shapes';
import { applyCommand } from '../../shared/flow/apply-command';
import { botIntakeCommand, endsBotIntake } from '../../shared/flow/bot-intake';
import { oncePerEvent } from '../../shared/flow/once';
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
}

/**
 * What an answer the user got asks for: the end of a bot-run intake, or a handover. Once per answer
 * and kind: a redelivered answer must not start a handover that already came and went.
 */
export async function applyWhatAnswerAsks(
  ports: Ports,
  tenant: TenantConfig,
  delivery: AnswerDelivery,
): Promise<void> {
  const { answer } = delivery;
  // A pushing bot ends its own prechat dialog the same way a replying one does.
  if (tenant.intake.by === 'bot' && endsBotIntake(answer)) await endBotIntake(ports, tenant, delivery);
  const additions = handoverRequestOf(answer, tenant.handoverEvent);
  if (!additions) return;
  const outcome = await applyOncePerAnswer(ports, delivery, 'handover-request', (state, now) =>
    handoverCommandFor(answer, tenant.handoverEvent, delivery.pageUrl, state, now),
  );
  ports.logger.info(outcome === 'applied' ? 'handover requested' : 'handover request ignored', {
    tenantId: tenant.id,
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
