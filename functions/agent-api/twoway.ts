/**
 * (CM.com's Conversational Router, at Baton's TwoWay adapter endpoints) → the agent's messages to
 * the user and the end of the session. Baton is the client side of the tenant's adapter: what MSC's
 * agent writes arrives as `ClientTerminated` messages, and the router's session-ended event ends
 * the session as an agent's end would.
 */
import * as z from 'zod/mini';
import type { TenantConfig } from '../../shared/config/tenants';
import { effectivePhase } from '../../shared/domain/conversation';
import { conversationIdSchema, externalIdSchema } from '../../shared/events/shapes';
import { applyCommand } from '../../shared/flow/apply-command';
import { badRequest, HttpError, notFound } from '../../shared/http/errors';
import type { Runtime } from '../../shared/runtime/runtime';
import { boundedString, nonEmptyString } from '../../shared/validation/zod';
import { postAgentMessage } from './agent-api';

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'publisher' | 'logger' | 'metrics'>;

/** "TwoWay Format": the chat's required fields; Baton's chats have its conversation id as the client id. */
const chatSchema = z.object({
  id: boundedString(1, 200),
  accountId: nonEmptyString(),
  channel: nonEmptyString(),
  conversationClientId: conversationIdSchema,
  conversationHostId: nonEmptyString(),
});

export const twoWaySchema = z.object({
  chat: chatSchema,
  conversationMessages: z._default(
    z
      .array(
        z.object({
          $type: boundedString(1, 100),
          id: z.optional(externalIdSchema()),
          direction: z.enum(['ClientOriginated', 'ClientTerminated']),
          createdOn: z.optional(boundedString(1, 40)),
          text: z.optional(boundedString(1, 4096)),
        }),
      )
      .check(z.maxLength(50)),
    [],
  ),
  conversationEvents: z._default(
    z
      .array(
        z.object({
          $type: boundedString(1, 100),
          id: z.optional(externalIdSchema()),
          createdOn: z.optional(boundedString(1, 40)),
        }),
      )
      .check(z.maxLength(50)),
    [],
  ),
});
export type TwoWay = z.infer<typeof twoWaySchema>;

/** The router's event that MSC's session of a chat ended (its name as the router is reported to send it). */
export const SESSION_ENDED_EVENT = 'RouterSessionEnded';

function checkedChat(tenant: TenantConfig, twoWay: TwoWay): string {
  if (tenant.desk.type !== 'msc') throw notFound("this tenant's agent desk is not on CM.com's router");
  if (twoWay.chat.accountId !== tenant.desk.technicalLinkId)
    throw badRequest('chat.accountId', 'chat.accountId: not the technical link of this tenant');
  return twoWay.chat.conversationClientId;
}

/**
 * The agent's text messages to the user, in order. One for a conversation that is not with an agent
 * (ended meanwhile, or never Baton's) is dropped and counted, not refused: the router would offer it
 * again and again, and no retry can deliver it.
 */
export async function takeRouterMessages(
  ports: Ports,
  tenant: TenantConfig,
  twoWay: TwoWay,
): Promise<{ taken: number; dropped: number }> {
  const conversationId = checkedChat(tenant, twoWay);
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
      await postAgentMessage(ports, tenant, conversationId, {
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
export async function takeRouterEvents(ports: Ports, tenant: TenantConfig, twoWay: TwoWay): Promise<void> {
  const conversationId = checkedChat(tenant, twoWay);
  for (const event of twoWay.conversationEvents) {
    if (event.$type !== SESSION_ENDED_EVENT) {
      ports.logger.info('TwoWay event ignored', { type: event.$type });
      continue;
    }
    const createdAt = event.createdOn ? Date.parse(event.createdOn) : Number.NaN;
    const applied = await applyCommand(ports, tenant.id, conversationId, (state, now) => {
      if (effectivePhase(state, now) !== 'agent' || !state.handover) return undefined;
      if (createdAt < state.handover.requestedAt) return undefined;
      return { type: 'endSession', by: 'agent' };
    });
    if (applied.outcome !== 'applied')
      ports.logger.info('router session end changed nothing', { outcome: applied.outcome });
  }
}
