/** (channel webhook) → receive user message → (conversation store, MessageRouted to the owner). */
import type { ChannelRef, Conversation } from '../../shared/domain/conversation';
import { effectivePhase, newConversation } from '../../shared/domain/conversation';
import { routeFor } from '../../shared/domain/routing';
import { conversationEventMetadata, createEvent } from '../../shared/events/define';
import { MessageRouted, type Route } from '../../shared/events/message-routed';
import type { UserMessage } from '../../shared/events/shapes';
import type { Runtime } from '../../shared/runtime/runtime';
import { VersionConflictError } from '../../shared/store/errors';
import { type ClaimResult, once } from '../../shared/store/idempotency-repository';

/** WhatsApp retries an unacknowledged webhook for up to 7 days; remember message ids a little longer. */
export const MESSAGE_DEDUPE_SECONDS = 8 * 24 * 3600;

export interface InboundUserMessage {
  tenantId: string;
  conversationId: string;
  channel: ChannelRef;
  message: UserMessage;
}

export type ReceiveResult = { outcome: 'routed'; route: Route } | { outcome: 'duplicate' };

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'idempotency' | 'publisher'>;

export async function receiveUserMessage(ports: Ports, inbound: InboundUserMessage): Promise<ReceiveResult> {
  const { tenantId, conversationId, message } = inbound;
  const now = () => ports.clock.now();
  let route: Route = 'bot';
  const claimed: ClaimResult = await once(
    ports.idempotency,
    {
      tenantId,
      scope: 'user-message',
      key: `${conversationId}#${message.id}`,
      retentionSeconds: MESSAGE_DEDUPE_SECONDS,
      inProgressSeconds: 30,
    },
    now,
    async () => {
      const conversation = await loadOrCreate(ports, inbound, now());
      route = routeFor(effectivePhase(conversation, now()));
      await ports.publisher.publish([
        createEvent(
          MessageRouted,
          conversationEventMetadata(`msg:${message.id}`, tenantId, conversationId, now()),
          {
            tenantId,
            conversationId,
            route,
            message,
          },
        ),
      ]);
    },
  );
  return claimed === 'duplicate' ? { outcome: 'duplicate' } : { outcome: 'routed', route };
}

async function loadOrCreate(ports: Ports, inbound: InboundUserMessage, now: number): Promise<Conversation> {
  const existing = await ports.conversations.get(inbound.tenantId, inbound.conversationId, now);
  if (existing) return existing;
  const created = newConversation(inbound.tenantId, inbound.conversationId, inbound.channel, now);
  try {
    await ports.conversations.create(created, now);
    return created;
  } catch (error) {
    // Two first messages raced; the other one created it, and that is the conversation.
    if (error instanceof VersionConflictError && error.current) return error.current;
    throw error;
  }
}
