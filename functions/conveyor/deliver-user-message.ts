/**
 * One user message, the head of the inbox, to the owner of now: the bot, the intake or the agent
 * desk. The session payloads act on the conversation itself and go to no owner. Each way ends in
 * one write that pops the message with what the delivery led to.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import { type Conversation, effectivePhase, isLockExpired } from '../../shared/domain/conversation';
import {
  additionsOf,
  handoverIdFrom,
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
import { popAnd } from './pop-and';
import { relayAnswers } from './relay-answers';
import { takeIntakeAnswer } from './take-intake-answer';

export type DeliveryPorts = Pick<
  Runtime,
  | 'clock'
  | 'tenants'
  | 'conversations'
  | 'bot'
  | 'deskMessages'
  | 'channels'
  | 'mediaLinks'
  | 'logger'
  | 'metrics'
>;

export interface Delivered {
  /** Who got the message (for the logs and the dead letters). */
  route: Route;
  /** The conversation as this delivery last wrote or read it; undefined when it is gone. */
  state: Conversation | undefined;
}

/** The owner the head goes to, from the state the consumer acts on. */
export const routeOf = (state: Conversation, now: number): Route => routeFor(effectivePhase(state, now));

/**
 * Throws when the owner could not take the message (the consumer tries again, then dead-letters),
 * or OwnerChangedError when the conversation left that owner before the write.
 * `sendUntil`: a `performance.now()` time after which the bot's answers go on as events.
 */
export async function deliverUserMessage(
  ports: DeliveryPorts,
  tenant: TenantConfig,
  conversation: Conversation,
  message: UserMessage,
  sendUntil: number,
): Promise<Delivered> {
  const { tenantId, conversationId } = conversation;
  let state = conversation;

  if (message.payload === LIVECHAT_SESSION_START) {
    // A request while a handover is under way or live changes nothing; it is not an intake answer.
    const written = await popAnd(ports, state, message.id, 'session', (current, now) =>
      handoverRequestFor(handoverIdFrom('start', message.id), additionsOf({}), message.pageUrl, current, now),
    );
    ports.logger.info('handover asked for by the user', { phase: written?.state.phase });
    return { route: 'bot', state: written?.state };
  }

  if (isLockExpired(state, ports.clock.now())) {
    // The sweep has not run yet: end the session now, so the message goes to the bot as its owner. The
    // bot hears of the end from that write's record (SessionEnded, through relay), after this message.
    const applied = await applyCommand(
      ports,
      tenantId,
      conversationId,
      (current, now) => (isLockExpired(current, now) ? { type: 'expire' } : undefined),
      state,
    );
    if (applied.outcome === 'missing') return { route: 'bot', state: undefined };
    state = applied.state;
  }

  if (message.payload === LIVECHAT_SESSION_END && effectivePhase(state, ports.clock.now()) === 'agent') {
    const written = await popAnd(ports, state, message.id, 'session', (current, now) =>
      effectivePhase(current, now) === 'agent' ? { type: 'endSession', by: 'user' } : undefined,
    );
    return { route: 'agent', state: written?.state };
  }

  const route = routeOf(state, ports.clock.now());
  const turn = { tenantId, conversationId, message };
  switch (route) {
    case 'bot': {
      const answers = await askBot(ports, tenant, state, turn);
      return { route, state: await relayAnswers(ports, tenant, state, message, answers, sendUntil, route) };
    }
    case 'agent':
      return { route, state: await forwardToAgent(ports, tenant, turn, state) };
    case 'intake':
      // The bot's own prechat dialog: its answers go to the user and may end the intake.
      if (tenant.intake.by === 'bot') {
        const answers = await askBot(ports, tenant, state, turn);
        return { route, state: await relayAnswers(ports, tenant, state, message, answers, sendUntil, route) };
      }
      return { route, state: await takeIntakeAnswer(ports, tenant, turn, state) };
  }
}
