/**
 * The prechat dialog run by the bot (`intake.by: "bot"`), as in CM.com's flow: after an online
 * presence check the bot gets the tenant's prechat event with `agentStatus`, its transactional
 * dialog talks to the user through the usual path, and the answer that ends it carries the output
 * additions `livechatIntakeComplete: true` and `customerInfo` (the captured slots: a JSON object of
 * strings written as a string, as output additions are and as CM.com's CustomerInfo is). `livechatIntakeCancelled: true` ends the
 * intake without a handover. A dialog that never ends is given up by the sweep (the step's timeout).
 */
import type { TenantConfig } from '../../shared/config/tenants';
import { type Command, type Conversation, effectivePhase } from '../../shared/domain/conversation';
import type { BotAnswer } from '../../shared/events/shapes';
import { applyCommand } from '../../shared/flow/apply-command';
import { errorFields } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';
import { safeParse, stringRecord, stringUpTo } from '../../shared/validation/zod';
import { sendWithRetries } from './send-with-retries';
import { isRetryableOutside, tryInPlace } from './try-in-place';

export const INTAKE_COMPLETE = 'livechatIntakeComplete';
export const INTAKE_CANCELLED = 'livechatIntakeCancelled';

const customerInfoSchema = stringRecord(stringUpTo(1000));

const isTrue = (value: unknown): boolean => value === true || String(value).toLowerCase() === 'true';

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The captured slots; undefined when `customerInfo` is there but not an object of strings. */
function customerInfoOf(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return {};
  const info = safeParse(customerInfoSchema, typeof value === 'string' ? parsedJson(value) : value);
  return info.success ? info.data : undefined;
}

/**
 * What the bot's answers do to a bot-run intake: the first that completes or cancels it decides.
 * Nothing outside that intake (a handover asked for again, an intake of Baton's).
 */
export function botIntakeCommand(
  tenant: TenantConfig,
  answers: readonly BotAnswer[],
  current: Conversation,
  now: number,
  onBadCustomerInfo: () => void = () => {},
): Command | undefined {
  const handover = current.handover;
  if (tenant.intake.by !== 'bot' || effectivePhase(current, now) !== 'intake' || !handover) return undefined;
  for (const { outputAdditions: additions = {} } of answers) {
    if (isTrue(additions[INTAKE_CANCELLED])) return { type: 'intakeAbandoned', handoverId: handover.id };
    if (!isTrue(additions[INTAKE_COMPLETE])) continue;
    const info = customerInfoOf(additions.customerInfo);
    // The agent is still worth reaching without what the bot captured.
    if (!info) onBadCustomerInfo();
    return { type: 'intakeCompleted', handoverId: handover.id, answers: info ?? {} };
  }
  return undefined;
}

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
  const command = (current: Conversation, now: number): Command | undefined => {
    if (gaveUp)
      return effectivePhase(current, now) === 'intake' && current.handover?.id === handoverId
        ? { type: 'handoverFailed', handoverId, stage: 'intake:prechat' }
        : undefined;
    return botIntakeCommand(tenant, answers, current, now, () =>
      ports.logger.warn('customerInfo is not a JSON object of strings; handed over without it'),
    );
  };
  if (gaveUp) ports.logger.error('prechat event not taken; handover failed', errorFields(gaveUp.error));
  for (const answer of answers)
    if (answer.text) await sendWithRetries(ports, state, { text: answer.text }, 'prechat answer');
  ports.logger.info('prechat event sent to the bot', { answers: answers.length });
  const applied = await applyCommand(ports, state.tenantId, state.conversationId, command, state);
  return applied.outcome === 'missing' ? undefined : applied.state;
}
