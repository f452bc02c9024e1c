/**
 * A message routed to an owner that no longer owns the conversation (it changed hands while the
 * message travelled) goes to the owner of now, not lost and not given to the wrong one.
 */
import { type Conversation, effectivePhase } from '../domain/conversation';
import { routeFor } from '../domain/routing';
import { conversationEventMetadata, createEvent } from '../events/define';
import { MessageRouted, type Route } from '../events/message-routed';
import type { UserMessage } from '../events/shapes';
import type { Runtime } from '../runtime/runtime';
import { loadConversation } from './apply-command';
import { EVENT_DEDUPE_SECONDS } from './tell-user';

type Ports = Pick<Runtime, 'clock' | 'publisher' | 'logger'>;

/** The route of now when it differs from `route`, after republishing the message there. */
export async function rerouteIfMoved(
  ports: Ports,
  conversation: Conversation,
  route: Route,
  message: UserMessage,
): Promise<Route | undefined> {
  const now = ports.clock.now();
  const current = routeFor(effectivePhase(conversation, now));
  if (current === route) return undefined;
  ports.logger.info('message rerouted to the new owner', { from: route, to: current });
  const { tenantId, conversationId } = conversation;
  await ports.publisher.publish([
    createEvent(
      MessageRouted,
      conversationEventMetadata(`msg:${message.id}:${current}`, tenantId, conversationId, now),
      {
        tenantId,
        conversationId,
        route: current,
        message,
      },
    ),
  ]);
  return current;
}

/** A user message for one conversation, as the owners' consumers receive it. */
export interface UserTurn {
  tenantId: string;
  conversationId: string;
  message: UserMessage;
}

/** Thrown by an owner's work when the conversation left it between the check and the write: retried, then rerouted. */
export class OwnerChangedError extends Error {
  override readonly name = 'OwnerChangedError';
}

/**
 * Runs `work` for a routed user message once per owner: a redelivered message does nothing, and a
 * message whose owner changed meanwhile goes to the new owner instead (so the completing answer of
 * an intake, redelivered, never reaches the agent). A reroute gives the claim back: the message
 * was not this owner's, and may come back here if the conversation returns.
 */
export async function deliverToOwner(
  ports: Ports & Pick<Runtime, 'idempotency' | 'conversations'>,
  turn: UserTurn,
  route: Route,
  inProgressSeconds: number,
  work: (conversation: Conversation) => Promise<void>,
): Promise<void> {
  const { tenantId, conversationId, message } = turn;
  const claim = {
    tenantId,
    scope: `to-${route}`,
    key: `${conversationId}#${message.id}`,
    retentionSeconds: EVENT_DEDUPE_SECONDS,
    inProgressSeconds,
  };
  if ((await ports.idempotency.claim(claim, ports.clock.now())) === 'duplicate') return;
  try {
    const conversation = await loadConversation(ports, tenantId, conversationId);
    if (!conversation) {
      ports.logger.warn('message for an unknown conversation dropped', { tenantId });
    } else if (await rerouteIfMoved(ports, conversation, route, message)) {
      await ports.idempotency.release(claim);
      return;
    } else {
      await work(conversation);
    }
  } catch (error) {
    await ports.idempotency.release(claim);
    throw error;
  }
  await ports.idempotency.complete(claim, ports.clock.now());
}
