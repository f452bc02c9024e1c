/**
 * The intake a record started → its first question, before the conveyor takes any answer: in order
 * with them, from the same consumer. An intake without questions completes at once; one the bot
 * runs starts with the prechat event to the bot.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import type { Conversation } from '../../shared/domain/conversation';
import { questionText, startIntake } from '../../shared/domain/intake';
import { applyCommand } from '../../shared/flow/apply-command';
import type { Runtime } from '../../shared/runtime/runtime';
import { startBotIntake } from './bot-intake';
import { sayInOrder } from './say-in-order';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'bot' | 'channels' | 'logger' | 'metrics'>;

/** Returns the conversation after it: unchanged, or as the completing write left it. */
export async function askFirstQuestion(
  ports: Ports,
  tenant: TenantConfig,
  state: Conversation,
  handoverId: string,
): Promise<Conversation | undefined> {
  if (tenant.intake.by === 'bot') return startBotIntake(ports, tenant, state, handoverId);
  const step = startIntake(tenant.intake);
  if (step.kind === 'completed') {
    const applied = await applyCommand(
      ports,
      state.tenantId,
      state.conversationId,
      () => ({ type: 'intakeCompleted', handoverId, answers: {} }),
      state,
    );
    return applied.outcome === 'missing' ? undefined : applied.state;
  }
  if (step.kind !== 'ask') return state;
  const after = await sayInOrder(ports, state, { text: questionText(step.question) }, 'intake question');
  ports.logger.info('intake question asked', { step: 0 });
  return after;
}
