/**
 * What a bot's answers do to a prechat dialog the bot runs (`intake.by: "bot"`): the answer that
 * ends it carries `livechatIntakeComplete: true` and `customerInfo` (the captured slots, a JSON
 * object of strings written as a string, as output additions are and as CM.com's CustomerInfo is),
 * or `livechatIntakeCancelled: true`. Used by the conveyor (a bot's reply) and the relay (a push).
 */
import type { TenantConfig } from '../config/tenants';
import { type Command, type Conversation, effectivePhase } from '../domain/conversation';
import { isTrueAddition as isTrue } from '../domain/handover-trigger';
import type { BotAnswer } from '../events/shapes';
import { safeParse, stringRecord, stringUpTo } from '../validation/zod';

export const INTAKE_COMPLETE = 'livechatIntakeComplete';
export const INTAKE_CANCELLED = 'livechatIntakeCancelled';

const customerInfoSchema = stringRecord(stringUpTo(1000));

/** Whether an answer means to end a bot-run dialog (completes or cancels it). */
export const endsBotIntake = ({ outputAdditions: additions = {} }: BotAnswer): boolean =>
  isTrue(additions[INTAKE_COMPLETE]) || isTrue(additions[INTAKE_CANCELLED]);

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
    if (isTrue(additions[INTAKE_CANCELLED]))
      return { type: 'intakeAbandoned', handoverId: handover.id, reason: 'cancelled' };
    if (!isTrue(additions[INTAKE_COMPLETE])) continue;
    const info = customerInfoOf(additions.customerInfo);
    // The agent is still worth reaching without what the bot captured.
    if (!info) onBadCustomerInfo();
    return { type: 'intakeCompleted', handoverId: handover.id, answers: info ?? {} };
  }
  return undefined;
}
