/**
 * What the bot hears of a handover's course: one signed status event per step, each with the
 * handover id and `agentStatus`, derived from the event the step's write put in its outbox. Those of
 * CM.com's flow carry its payload too (LIVECHAT_SESSION_END, LIVECHAT_SESSION_EXPIRED,
 * LIVECHAT_INTAKE_TIMEOUT); a tenant with `bot.statusEvents: false` gets only those.
 */
import type { BotEvent } from '../clients/notifications';
import type { TenantConfig } from '../config/tenants';
import type { Conversation } from '../domain/conversation';
import {
  LIVECHAT_INTAKE_TIMEOUT,
  LIVECHAT_SESSION_END,
  LIVECHAT_SESSION_EXPIRED,
} from '../domain/livechat-payloads';
import type { OutgoingEvent } from '../events/define';
import {
  HandoverDeclined,
  HandoverRequested,
  HandoverTransferred,
  SessionStarted,
} from '../events/handover-events';
import { SessionEnded } from '../events/session-ended';
import { safeParse } from '../validation/zod';

export type BotStatus = Omit<BotEvent, 'eventId'>;

/** `<event>:<handover id>`: the same step of the same handover always has the same id. */
export const botEventId = (status: BotStatus): string => `${status.event}:${status.handoverId}`;

/** Whether the tenant's bot hears of this step at all. */
export const botHears = (tenant: TenantConfig, status: BotStatus): boolean =>
  tenant.bot.eventsUrl !== undefined && (tenant.bot.statusEvents || status.payload !== undefined);

/**
 * The status an outbox event tells the bot, or undefined for one it does not hear of. `state`: the
 * conversation as written (a session's end reads what the agent left for the bot from it).
 */
export function botStatusOf(
  event: OutgoingEvent,
  tenant: TenantConfig,
  state: Pick<Conversation, 'lastRelease'>,
): BotStatus | undefined {
  const { data } = event.detail;
  switch (event.detailType) {
    case HandoverRequested.detailType: {
      const parsed = safeParse(HandoverRequested.data, data);
      return parsed.success ? { event: 'handover.requested', ...stepOf(parsed.data) } : undefined;
    }
    case SessionStarted.detailType: {
      // For a desk live on acceptance the live chat begins; one live on its claim claimed it.
      const parsed = safeParse(SessionStarted.data, data);
      if (!parsed.success) return undefined;
      return {
        event: parsed.data.claimed ? 'handover.claimed' : 'handover.accepted',
        ...stepOf(parsed.data),
      };
    }
    case HandoverDeclined.detailType: {
      const parsed = safeParse(HandoverDeclined.data, data);
      return parsed.success ? declinedStatus(tenant, parsed.data) : undefined;
    }
    case HandoverTransferred.detailType: {
      const parsed = safeParse(HandoverTransferred.data, data);
      if (!parsed.success) return undefined;
      const { skill, toHandoverId } = parsed.data;
      return { event: 'handover.transferred', ...stepOf(parsed.data), skill, toHandoverId };
    }
    case SessionEnded.detailType: {
      const parsed = safeParse(SessionEnded.data, data);
      if (!parsed.success) return undefined;
      const ended = parsed.data;
      const release =
        ended.released && state.lastRelease?.handoverId === ended.handoverId ? state.lastRelease : undefined;
      const parting = { summary: release?.summary, variables: release?.variables };
      return ended.reason === 'expired'
        ? { event: 'session.expired', ...stepOf(ended), payload: LIVECHAT_SESSION_EXPIRED, ...parting }
        : {
            event: 'session.ended',
            ...stepOf(ended),
            by: ended.reason,
            payload: LIVECHAT_SESSION_END,
            ...parting,
          };
    }
    default:
      return undefined;
  }
}

const stepOf = ({
  handoverId,
  agentStatus,
}: {
  handoverId: string;
  agentStatus?: BotEvent['agentStatus'];
}) => ({
  handoverId,
  agentStatus,
});

/** No handover after all: which step ended it, and why. */
function declinedStatus(
  tenant: TenantConfig,
  declined: {
    handoverId: string;
    agentStatus?: BotEvent['agentStatus'];
    reason: 'no_agents' | 'closed' | 'intake_abandoned' | 'failed' | 'withdrawn';
    abandoned?: 'cancelled' | 'too_many_invalid' | 'timeout' | undefined;
    stage?: string | undefined;
  },
): BotStatus {
  const step = stepOf(declined);
  switch (declined.reason) {
    case 'no_agents':
      return { event: 'handover.offline', ...step };
    case 'closed':
      return { event: 'handover.closed', ...step };
    case 'intake_abandoned': {
      // CM.com's flow has the payload for a bot-run prechat dialog that was given up.
      const timedOut = declined.abandoned === 'timeout' && tenant.intake.by === 'bot';
      return {
        event: 'intake.abandoned',
        ...step,
        reason: declined.abandoned,
        ...(timedOut ? { payload: LIVECHAT_INTAKE_TIMEOUT } : {}),
      };
    }
    case 'failed':
      return { event: 'handover.failed', ...step, stage: declined.stage };
    case 'withdrawn':
      return { event: 'handover.withdrawn', ...step };
  }
}
