/** Whether a bot answer starts a handover: the command it gives in a conversation the bot owns. Pure. */
import type { TenantConfig } from '../../shared/config/tenants';
import type { Command, Conversation } from '../../shared/domain/conversation';
import { handoverRequestFor, handoverRequestOf } from '../../shared/domain/handover-trigger';
import type { BotAnswer } from '../../shared/events/shapes';

export const asksForHandover = (answer: BotAnswer, tenant: TenantConfig): boolean =>
  handoverRequestOf(answer, tenant.handoverEvent) !== undefined;

/**
 * The handover an answer asks for, or undefined: it does not ask, or one is under way or live (a
 * request then changes nothing). `pageUrl`: the page of the message answered, for URL routing.
 */
export function handoverCommandFor(
  answer: BotAnswer,
  tenant: TenantConfig,
  pageUrl: string | undefined,
  state: Conversation,
  now: number,
): Command | undefined {
  const additions = handoverRequestOf(answer, tenant.handoverEvent);
  // The same id whichever way the answer came, so the handover is requested once.
  return additions && handoverRequestFor(`answer:${answer.id}`, additions, pageUrl, state, now);
}
