/**
 * The prechat dialog run by the bot (`intake.by: "bot"`), as in CM.com's flow, starts here: after an
 * online presence check the bot gets the tenant's prechat event with `agentStatus`, and its answers
 * go to the user and may already end the dialog (see shared/flow/bot-intake.ts). A dialog that
 * never ends is given up by the sweep (the step's timeout).
 */

import type { TenantConfig } from '../../shared/config/tenants';
import { type Command, type Conversation, effectivePhase } from '../../shared/domain/conversation';
import type { BotAnswer } from '../../shared/events/shapes';
import { applyCommand } from '../../shared/flow/apply-command';
import { botIntakeCommand } from '../../shared/flow/bot-intake';
import { answerMessage } from '../../shared/flow/tell-user';
import { isRetryableOutside, tryInPlace } from '../../shared/flow/try-in-place';
import { errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { sayInOrder } from './say-in-order';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'bot' | 'channels' | 'logger' | 'metrics'>;

/**
 * The intake a record started → the prechat event to the bot, its answers to the user, and what
 * they decide. A bot that cannot be reached fails the handover (the user is told), as a desk would.
 * Returns the conversation after it.
 */
export async function startBotIntake(
  ports: Ports,
  tenant: TenantConfig,
  state: Conversation,
  handoverId: string,
): Promise<Conversation | undefined> {
  const request = {
    conversationId: state.conversationId,
    channel: state.channel.type,
    message: { id: `prechat:${handoverId}`, receivedAt: ports.clock.now() },
    agentStatus: state.agentStatus,
    event: tenant.intake.prechatEvent,
  };
  let answers: BotAnswer[] = [];
  const gaveUp = await tryInPlace(
    async () => {
      answers = await ports.bot.ask(tenant, request);
    },
    isRetryableOutside,
    (error) => ports.logger.warn('prechat event not taken; trying again', errorFields(error)),
  );
  let command: (current: Conversation, now: number) => Command | undefined;
  if (gaveUp) {
    ports.logger.error('prechat event not taken; handover failed', errorFields(gaveUp.error));
    command = (current, now) =>
      effectivePhase(current, now) === 'intake' && current.handover?.id === handoverId
        ? { type: 'handoverFailed', handoverId, stage: 'intake:prechat' }
        : undefined;
  } else {
    ports.logger.info('prechat event taken by the bot', { answers: answers.length });
    for (const answer of answers) {
      const message = answerMessage(answer);
      if (message) state = await sayInOrder(ports, state, message, `prechat answer ${answer.id}`);
    }
    command = (current, now) =>
      botIntakeCommand(tenant, answers, current, now, () =>
        ports.logger.warn('customerInfo is not a JSON object of strings; handed over without it'),
      );
  }
  const applied = await applyCommand(ports, state.tenantId, state.conversationId, command, state);
  return applied.outcome === 'missing' ? undefined : applied.state;
}
