/**
 * One user message, taken from the head of the inbox, to the owner of now: the bot, the intake or
 * the agent desk. The session payloads act on the conversation itself and go to no owner.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import { type Conversation, effectivePhase, isLockExpired } from '../../shared/domain/conversation';
import {
  additionsOf,
  handoverRequestFor,
  LIVECHAT_SESSION_END,
  LIVECHAT_SESSION_START,
} from '../../shared/domain/handover-trigger';
import { type Route, routeFor } from '../../shared/domain/routing';
import type { UserMessage } from '../../shared/events/shapes';
import { applyCommand } from '../../shared/flow/apply-command';
import type { Runtime } from '../../shared/runtime/runtime';
import { askBot } from './ask-bot';
import { forwardToAgent } from './forward-to-agent';
import { relayAnswers } from './relay-answers';
import { takeIntakeAnswer } from './take-intake-answer';

export type DeliveryPorts = Pick<
  Runtime,
  | 'clock'
  | 'tenants'
  | 'conversations'
  | 'idempotency'
  | 'publisher'
  | 'bot'
  | 'desk'
  | 'channels'
  | 'logger'
  | 'metrics'
>;

export interface Delivered {
  /** Who got the message (for the logs). */
  route: Route;
  /** The conversation as this delivery last wrote or read it, so the next write needs no read. */
  state: Conversation;
}

export interface DeliveryOptions {
  /** The owner an earlier, timed-out attempt may have reached; it gets the message again rather than a new owner. */
  stickyRoute?: Route | undefined;
  /** A `performance.now()` time after which the bot's answers are not sent here but by events. */
  sendUntil: number;
}

/**
 * Throws when the owner could not take the message. The state returned may have the message popped
 * already (the bot's answers are relayed and the message popped in one write).
 */
export async function deliverUserMessage(
  ports: DeliveryPorts,
  tenant: TenantConfig,
  conversation: Conversation,
  message: UserMessage,
  options: DeliveryOptions,
): Promise<Delivered> {
  const { tenantId, conversationId } = conversation;
  let state = conversation;

  if (message.payload === LIVECHAT_SESSION_START) {
    // A request while a handover is under way or live changes nothing; it is not an intake answer.
    const applied = await applyCommand(
      ports,
      tenantId,
      conversationId,
      (current, now) =>
        handoverRequestFor(`start:${message.id}`, additionsOf({}), message.pageUrl, current, now),
      state,
    );
    ports.logger.info('handover asked for by the user', { outcome: applied.outcome });
    return { route: 'bot', state: applied.outcome === 'missing' ? state : applied.state };
  }

  if (isLockExpired(state, ports.clock.now())) {
    // The sweep has not run yet: end the session now, so the bot hears of it before the message.
    const applied = await applyCommand(
      ports,
      tenantId,
      conversationId,
      (current, now) => (isLockExpired(current, now) ? { type: 'expire' } : undefined),
      state,
    );
    if (applied.outcome !== 'missing') state = applied.state;
  }

  if (message.payload === LIVECHAT_SESSION_END && effectivePhase(state, ports.clock.now()) === 'agent') {
    const applied = await applyCommand(
      ports,
      tenantId,
      conversationId,
      (current, now) =>
        effectivePhase(current, now) === 'agent' ? { type: 'endSession', by: 'user' } : undefined,
      state,
    );
    if (applied.outcome === 'applied') return { route: 'agent', state: applied.state };
    if (applied.outcome !== 'missing') state = applied.state;
  }

  const route = options.stickyRoute ?? routeFor(effectivePhase(state, ports.clock.now()));
  const turn = { tenantId, conversationId, message };
  if (route === 'bot') {
    const answers = await askBot(ports, tenant, state, turn);
    return { route, state: await relayAnswers(ports, tenant, state, message, answers, options.sendUntil) };
  }
  const after =
    route === 'agent'
      ? await forwardToAgent(ports, tenant, turn, state)
      : await takeIntakeAnswer(ports, tenant, turn, state);
  return { route, state: after ?? state };
}
