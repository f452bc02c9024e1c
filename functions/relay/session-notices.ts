/** What the user, the bot and the desk are told in a live chat: the agent's messages, and that it ended. */

import { deskView } from '../../shared/config/desk-routing';
import type { AgentStatus, ChannelRef, EndReason } from '../../shared/domain/conversation';
import { LIVECHAT_SESSION_END } from '../../shared/domain/handover-trigger';
import { loadConversation } from '../../shared/flow/load-conversation';
import { oncePerEvent } from '../../shared/flow/once';
import { tellUser } from '../../shared/flow/tell-user';
import type { Runtime } from '../../shared/runtime/runtime';
import { sessionEndStatus, tellBot } from './bot-status';

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

/** The bot gets its session event, the desk hears the session is over, and the user is told. */
export async function sessionEnded(
  ports: Ports,
  event: HandoverRef & {
    reason: EndReason;
    agentStatus?: AgentStatus | undefined;
    released?: boolean | undefined;
    skill?: string | undefined;
  },
): Promise<void> {
  const found = await context(ports, event);
  if (!found) return;
  const { conversation } = found;
  // The desk the session's skill routed it to is the one to tell.
  const tenant = deskView(found.tenant, event.skill);
  const { tenantId, conversationId } = conversation;
  const step = (name: string, work: () => Promise<void>) =>
    oncePerEvent(ports, { tenantId, conversationId, scope: `ended-${name}`, key: event.handoverId }, work);
  const release =
    event.released && conversation.lastRelease?.handoverId === event.handoverId
      ? conversation.lastRelease
      : undefined;
  await tellBot(ports, tenant, conversation.conversationId, sessionEndStatus(event, release));
  await step('desk', () => ports.desk.sessionEnded(tenant, conversation, event.reason));
  await tellUser(ports, conversation, `ended:${event.handoverId}`, { text: tenant.messages.sessionEnded });
}

/**
 * The agent passed the live chat to another skill: the bot hears of it and the old desk is told its
 * session is over (reason `transferred`); the user heard it from the conveyor, in order.
 */
export async function handoverTransferred(
  ports: Ports,
  event: HandoverRef & {
    toHandoverId: string;
    fromSkill?: string | undefined;
    skill?: string | undefined;
    agentStatus?: AgentStatus | undefined;
  },
): Promise<void> {
  const found = await context(ports, event);
  if (!found) return;
  const { tenant, conversation } = found;
  await tellBot(ports, tenant, conversation.conversationId, {
    event: 'handover.transferred',
    handoverId: event.handoverId,
    agentStatus: event.agentStatus,
    skill: event.skill,
    toHandoverId: event.toHandoverId,
  });
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
