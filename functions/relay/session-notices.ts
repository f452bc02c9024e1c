/** What the user and the desk are told in a live chat: the agent's messages; that it ended or moved. */

import { deskView } from '../../shared/config/desk-routing';
import type { ChannelRef, EndReason } from '../../shared/domain/conversation';
import { LIVECHAT_SESSION_END } from '../../shared/domain/handover-trigger';
import { loadConversation } from '../../shared/flow/load-conversation';
import { oncePerEvent } from '../../shared/flow/once';
import { tellUser } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<
  Runtime,
  | 'clock'
  | 'tenants'
  | 'conversations'
  | 'idempotency'
  | 'channels'
  | 'desk'
  | 'notifications'
  | 'logger'
  | 'metrics'
>;

interface HandoverRef {
  tenantId: string;
  conversationId: string;
  handoverId: string;
}

type NoticeRef = HandoverRef & { channel?: ChannelRef | undefined };

async function context(ports: Ports, ref: HandoverRef) {
  const tenant = ports.tenants.get(ref.tenantId);
  const conversation = await loadConversation(ports, ref.tenantId, ref.conversationId);
  return tenant && conversation ? { tenant, conversation } : undefined;
}

/** Whom to tell: the event names the channel (no read); one from an earlier version is looked up. */
async function userOf(ports: Ports, ref: NoticeRef) {
  const tenant = ports.tenants.get(ref.tenantId);
  if (!tenant) return undefined;
  const { tenantId, conversationId } = ref;
  const channel = ref.channel ?? (await loadConversation(ports, tenantId, conversationId))?.channel;
  return channel ? { tenant, user: { tenantId, conversationId, channel } } : undefined;
}

export async function agentMessaged(
  ports: Ports,
  event: NoticeRef & { messageId: string; text: string; signOff: boolean },
): Promise<void> {
  const found = await userOf(ports, event);
  if (!found) return;
  const buttons = event.signOff
    ? [{ payload: LIVECHAT_SESSION_END, title: found.tenant.messages.signOffButton }]
    : undefined;
  await tellUser(ports, found.user, `agent:${event.messageId}`, {
    text: event.text,
    ...(buttons ? { buttons } : {}),
  });
}

/** The desk hears the session is over (the bot and the user heard it from the conveyor, in order). */
export async function sessionEnded(
  ports: Ports,
  event: HandoverRef & { reason: EndReason; skill?: string | undefined },
): Promise<void> {
  const found = await context(ports, event);
  if (!found) return;
  const { conversation } = found;
  // The desk the session's skill routed it to is the one to tell.
  const tenant = deskView(found.tenant, event.skill);
  const { tenantId, conversationId } = conversation;
  await oncePerEvent(ports, { tenantId, conversationId, scope: 'ended-desk', key: event.handoverId }, () =>
    ports.desk.sessionEnded(tenant, conversation, event.reason),
  );
}

/**
 * The agent passed the live chat to another skill: the old desk is told its session is over (reason
 * `transferred`); the user and the bot heard it from the conveyor, in order.
 */
export async function handoverTransferred(
  ports: Ports,
  event: HandoverRef & { fromSkill?: string | undefined },
): Promise<void> {
  const found = await context(ports, event);
  if (!found) return;
  const { tenant, conversation } = found;
  await oncePerEvent(
    ports,
    {
      tenantId: tenant.id,
      conversationId: conversation.conversationId,
      scope: 'transferred-desk',
      key: event.handoverId,
    },
    () => ports.desk.sessionEnded(deskView(tenant, event.fromSkill), conversation, 'transferred'),
  );
}
