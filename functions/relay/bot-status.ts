/**
 * What the bot hears of a handover's course: one signed event per step, once per step and handover,
 * each with the handover id and `agentStatus`. Those of CM.com's flow carry its payload too
 * (LIVECHAT_SESSION_END, LIVECHAT_SESSION_EXPIRED, LIVECHAT_INTAKE_TIMEOUT); a tenant with
 * `bot.statusEvents: false` gets only those.
 */
import type { BotEvent } from '../../shared/clients/notifications';
import type { TenantConfig } from '../../shared/config/tenants';
import type { AgentStatus, EndReason, Release } from '../../shared/domain/conversation';
import {
  LIVECHAT_INTAKE_TIMEOUT,
  LIVECHAT_SESSION_END,
  LIVECHAT_SESSION_EXPIRED,
} from '../../shared/domain/livechat-payloads';
import { oncePerEvent } from '../../shared/flow/once';
import type { Runtime } from '../../shared/runtime/runtime';

type Ports = Pick<Runtime, 'clock' | 'tenants' | 'idempotency' | 'notifications' | 'logger'>;

interface HandoverStep {
  tenantId: string;
  conversationId: string;
  handoverId: string;
  agentStatus?: AgentStatus | undefined;
}

/** Sends one status event, once per step and handover; nothing when the bot has no events URL. */
export async function tellBot(
  ports: Ports,
  tenant: TenantConfig,
  conversationId: string,
  status: Omit<BotEvent, 'eventId'>,
): Promise<void> {
  if (!tenant.bot.eventsUrl) return;
  if (!tenant.bot.statusEvents && status.payload === undefined) return;
  const eventId = `${status.event}:${status.handoverId}`;
  const result = await oncePerEvent(
    ports,
    { tenantId: tenant.id, conversationId, scope: 'bot-event', key: eventId },
    () => ports.notifications.botEvent(tenant, conversationId, { eventId, ...status }),
  );
  if (result === 'claimed') ports.logger.info('bot told', { event: status.event });
}

const stepOf = ({ handoverId, agentStatus }: HandoverStep) => ({ handoverId, agentStatus });

export async function handoverRequested(ports: Ports, event: HandoverStep): Promise<void> {
  const tenant = ports.tenants.get(event.tenantId);
  if (tenant)
    await tellBot(ports, tenant, event.conversationId, { event: 'handover.requested', ...stepOf(event) });
}

/**
 * The desk took the handover (`accepted`: for a desk live on acceptance the live chat begins), or a
 * desk live on its claim claimed it (`claimed`, after its `accepted`).
 */
export async function handoverTaken(
  ports: Ports,
  event: HandoverStep & { claimed?: boolean | undefined },
): Promise<void> {
  const tenant = ports.tenants.get(event.tenantId);
  if (!tenant) return;
  const name = event.claimed ? 'handover.claimed' : 'handover.accepted';
  await tellBot(ports, tenant, event.conversationId, { event: name, ...stepOf(event) });
}

/** No handover after all: which step ended it, and why. */
export async function handoverDeclined(
  ports: Ports,
  event: HandoverStep & {
    reason: 'no_agents' | 'closed' | 'intake_abandoned' | 'failed' | 'withdrawn';
    abandoned?: 'cancelled' | 'too_many_invalid' | 'timeout' | undefined;
    stage?: string | undefined;
  },
): Promise<void> {
  const tenant = ports.tenants.get(event.tenantId);
  if (!tenant) return;
  const step = stepOf(event);
  const status = ((): Omit<BotEvent, 'eventId'> => {
    switch (event.reason) {
      case 'no_agents':
        return { event: 'handover.offline', ...step };
      case 'closed':
        return { event: 'handover.closed', ...step };
      case 'intake_abandoned': {
        // CM.com's flow has the payload for a bot-run prechat dialog that was given up.
        const timedOut = event.abandoned === 'timeout' && tenant.intake.by === 'bot';
        return {
          event: 'intake.abandoned',
          ...step,
          reason: event.abandoned,
          ...(timedOut ? { payload: LIVECHAT_INTAKE_TIMEOUT } : {}),
        };
      }
      case 'failed':
        return { event: 'handover.failed', ...step, stage: event.stage };
      case 'withdrawn':
        return { event: 'handover.withdrawn', ...step };
    }
  })();
  await tellBot(ports, tenant, event.conversationId, status);
}

/** The end of a live chat, with what the agent left for the bot. */
export function sessionEndStatus(
  event: HandoverStep & { reason: EndReason },
  release: Release | undefined,
): Omit<BotEvent, 'eventId'> {
  const step = stepOf(event);
  const parting = { summary: release?.summary, variables: release?.variables };
  return event.reason === 'expired'
    ? { event: 'session.expired', ...step, payload: LIVECHAT_SESSION_EXPIRED, ...parting }
    : { event: 'session.ended', ...step, by: event.reason, payload: LIVECHAT_SESSION_END, ...parting };
}
