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
