/**
 * (channel webhook) → receive user message → (conversation store, MessageRouted to the owner).
 * The owner is decided here, once, at arrival; the session payloads act on the conversation itself.
 */
import type { ChannelRef, Conversation } from '../../shared/domain/conversation';
import { effectivePhase, isLockExpired, newConversation } from '../../shared/domain/conversation';
import {
  additionsOf,
  LIVECHAT_SESSION_END,
  LIVECHAT_SESSION_START,
} from '../../shared/domain/handover-trigger';
import { routeFor } from '../../shared/domain/routing';
import { conversationEventMetadata, createEvent } from '../../shared/events/define';
import { MessageRouted, type Route } from '../../shared/events/message-routed';
import type { UserMessage } from '../../shared/events/shapes';
import { applyCommand, loadConversation } from '../../shared/flow/apply-command';
import { HttpError } from '../../shared/http/errors';
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

export type ReceiveResult =
  | { outcome: 'routed'; route: Route }
  | { outcome: 'handover-requested' | 'session-ended' | 'ignored' }
  | { outcome: 'duplicate' };

type Ports = Pick<Runtime, 'clock' | 'conversations' | 'idempotency' | 'publisher'>;

export async function receiveUserMessage(ports: Ports, inbound: InboundUserMessage): Promise<ReceiveResult> {
  const { tenantId, conversationId, message } = inbound;
  let result: ReceiveResult = { outcome: 'duplicate' };
  const claimed: ClaimResult = await once(
    ports.idempotency,
    {
      tenantId,
      scope: 'user-message',
      key: `${conversationId}#${message.id}`,
      retentionSeconds: MESSAGE_DEDUPE_SECONDS,
      inProgressSeconds: 30,
    },
    () => ports.clock.now(),
    async () => {
      result = await route(ports, inbound);
    },
  );
  return claimed === 'duplicate' ? { outcome: 'duplicate' } : result;
}

async function route(ports: Ports, inbound: InboundUserMessage): Promise<ReceiveResult> {
  const { tenantId, conversationId, message } = inbound;
  let conversation = await loadOrCreate(ports, inbound);

  if (message.payload === LIVECHAT_SESSION_START) {
    // A request while a handover is under way or live changes nothing; it is not an intake answer.
    const applied = await applyCommand(ports, tenantId, conversationId, (state, now) =>
      effectivePhase(state, now) === 'bot'
        ? {
            type: 'requestHandover',
            handoverId: `start:${message.id}`,
            additions: additionsOf({}),
            pageUrl: message.pageUrl ?? (state.channel.type === 'web' ? state.channel.pageUrl : undefined),
          }
        : undefined,
    );
    return { outcome: applied.outcome === 'applied' ? 'handover-requested' : 'ignored' };
  }

  if (isLockExpired(conversation, ports.clock.now())) {
    // The sweep has not run yet: end the session now, so the bot hears of it before the message.
    const applied = await applyCommand(ports, tenantId, conversationId, (state, now) =>
      isLockExpired(state, now) ? { type: 'expire' } : undefined,
    );
    if (applied.outcome !== 'missing') conversation = applied.state;
  }

  if (
    message.payload === LIVECHAT_SESSION_END &&
    effectivePhase(conversation, ports.clock.now()) === 'agent'
  ) {
    const applied = await applyCommand(ports, tenantId, conversationId, (state, now) =>
      effectivePhase(state, now) === 'agent' ? { type: 'endSession', by: 'user' } : undefined,
    );
    if (applied.outcome === 'applied') return { outcome: 'session-ended' };
    if (applied.outcome !== 'missing') conversation = applied.state;
  }

  const now = ports.clock.now();
  const to = routeFor(effectivePhase(conversation, now));
  await ports.publisher.publish([
    createEvent(
      MessageRouted,
      conversationEventMetadata(`msg:${message.id}`, tenantId, conversationId, now),
      {
        tenantId,
        conversationId,
        route: to,
        message,
      },
    ),
  ]);
  return { outcome: 'routed', route: to };
}

async function loadOrCreate(ports: Ports, inbound: InboundUserMessage): Promise<Conversation> {
  const existing = await loadConversation(ports, inbound.tenantId, inbound.conversationId);
  // A conversation belongs to one channel: another channel may not write into it, nor receive its replies.
  if (existing && existing.channel.type !== inbound.channel.type) {
    throw new HttpError(409, 'channel_mismatch', 'the conversation belongs to another channel');
  }
  if (existing) return existing;
  const now = ports.clock.now();
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
