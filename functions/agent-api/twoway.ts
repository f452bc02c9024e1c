/**
 * (CM.com's Conversational Router, at Baton's TwoWay adapter endpoints) → the agent's messages to
 * the user and the end of the session. Baton is the client side of the tenant's adapter: what MSC's
 * agent writes arrives as `ClientTerminated` messages, and the router's session-ended event ends
 * the session as an agent's end would.
 */
import type { TenantConfig } from '../../shared/config/tenants';
import { effectivePhase } from '../../shared/domain/conversation';
import { applyCommand } from '../../shared/flow/apply-command';
import { HttpError } from '../../shared/http/errors';
import { SESSION_ENDED_EVENT, type TwoWay } from '../../shared/http/twoway-format';
import type { Runtime } from '../../shared/runtime/runtime';
import { postAgentMessage } from './agent-api';
import { DEFAULT_DESK } from './desk-token';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'logger' | 'metrics'>;

/**
 * The agent's text messages to the user, in order. One for a conversation that is not with an agent
 * (ended meanwhile, or never Baton's) is dropped and counted, not refused: the router would offer it
 * again and again, and no retry can deliver it.
 */
export async function takeRouterMessages(
  ports: Ports,
  tenant: TenantConfig,
  conversationId: string,
  twoWay: TwoWay,
): Promise<{ taken: number; dropped: number }> {
  let taken = 0;
  let dropped = 0;
  for (const [index, message] of twoWay.conversationMessages.entries()) {
    // The router may echo what the client sent; only what the host sends is for the user.
    if (message.direction !== 'ClientTerminated') continue;
    if (message.$type !== 'text' || !message.text) {
      ports.logger.warn('TwoWay message type not delivered', { type: message.$type });
      dropped += 1;
      continue;
    }
    try {
      // MSC is always the tenant's default desk.
      await postAgentMessage(ports, tenant, DEFAULT_DESK, conversationId, {
        // The router's id, else one from where the message sits: a batch offered again is the same messages.
        messageId: `twoway:${message.id ?? `${twoWay.chat.id}:${message.createdOn ?? ''}:${index}`}`,
        text: message.text,
        signOff: false,
      });
      taken += 1;
    } catch (error) {
      if (!(error instanceof HttpError) || (error.statusCode !== 404 && error.statusCode !== 409))
        throw error;
      dropped += 1;
    }
  }
  if (dropped > 0) {
    ports.logger.warn('TwoWay messages not delivered', { dropped });
    ports.metrics.put({ name: 'TwoWayDropped', value: dropped, unit: 'Count', tenant: tenant.id });
  }
  return { taken, dropped };
}

/**
 * The router's events. Its session-ended gives the conversation back to the bot; one created before
 * the current handover was asked for belongs to an earlier session and changes nothing, and so does
 * a repeat.
 */
export async function takeRouterEvents(
  ports: Ports,
  tenantId: string,
  conversationId: string,
  events: TwoWay['conversationEvents'],
): Promise<void> {
  for (const event of events) {
    if (event.$type !== SESSION_ENDED_EVENT) {
      ports.logger.info('TwoWay event ignored', { type: event.$type });
      continue;
    }
    const createdAt = event.createdOn ? Date.parse(event.createdOn) : Number.NaN;
    const applied = await applyCommand(ports, tenantId, conversationId, (state, now) => {
      if (effectivePhase(state, now) !== 'agent' || !state.handover) return undefined;
      if (createdAt < state.handover.requestedAt) return undefined;
      return { type: 'endSession', by: 'agent' };
    });
    if (applied.outcome !== 'applied')
      ports.logger.info('router session end changed nothing', { outcome: applied.outcome });
  }
}
