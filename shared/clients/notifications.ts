/** One-way notices: Web Conversations' handover endpoint, and session events for the bot. */
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import { signatureHeaders } from '../http/signature';
import type { HttpCall } from './http';

export interface Notifications {
  /** Tells Web Conversations a handover happened so its UI enables attachments; no-op when not configured. */
  webConversationsHandover(tenant: TenantConfig, conversationId: string): Promise<void>;
  /** A status event for the bot, signed as Baton's requests to it are; no-op without an events URL. */
  botEvent(tenant: TenantConfig, conversationId: string, event: BotEvent): Promise<void>;
}

/** The steps of a handover the bot hears of (README, "Status events to the bot"). */
export const BOT_EVENT_NAMES = [
  'handover.requested',
  'handover.offline',
  'handover.closed',
  'intake.abandoned',
  'handover.failed',
  'handover.accepted',
  'handover.claimed',
  'handover.withdrawn',
  'handover.transferred',
  'session.ended',
  'session.expired',
] as const;
export type BotEventName = (typeof BOT_EVENT_NAMES)[number];

export interface BotEvent {
  /** `<event>:<handover id>`: the same step of the same handover always has the same id. */
  eventId: string;
  event: BotEventName;
  handoverId: string;
  agentStatus?: 'online' | 'offline' | undefined;
  /** CM.com's payload, for the steps its flow names (LIVECHAT_SESSION_END, ...). */
  payload?: string | undefined;
  /** intake.abandoned: cancelled, too_many_invalid or timeout. */
  reason?: string | undefined;
  /** handover.failed: where (`presence`, `desk:timeout`, `timeout:handing_over`, ...). */
  stage?: string | undefined;
  /** session.ended: who ended it. */
  by?: 'agent' | 'user' | 'operator' | undefined;
  /** handover.transferred: the skill the chat went to, and the handover that carries it there. */
  skill?: string | undefined;
  toHandoverId?: string | undefined;
  /** session.ended / expired: what the agent left for the bot with its end call. */
  summary?: string | undefined;
  variables?: Record<string, string> | undefined;
}

export function createNotifications(http: HttpCall, secrets: SecretResolver): Notifications {
  return {
    async webConversationsHandover(tenant, conversationId) {
      const endpoint = tenant.webConversations;
      if (!endpoint) return;
      // Signed like the web chat's deliveries, unless the endpoint has a secret of its own.
      const secret = endpoint.signingSecret ?? tenant.web?.signingSecret;
      if (!secret) throw new Error(`tenant ${tenant.id}: webConversations has no signing secret`);
      const body = JSON.stringify({ conversationClientId: conversationId });
      await http({
        system: 'webconv',
        method: 'POST',
        url: endpoint.handoverUrl,
        timeoutMs: endpoint.timeoutMs,
        headers: {
          'content-type': 'application/json',
          ...signatureHeaders(await secrets.resolve(secret), body),
        },
        body,
      });
    },
    async botEvent(tenant, conversationId, event) {
      if (!tenant.bot.eventsUrl) return;
      const body = JSON.stringify({ tenantId: tenant.id, conversationId, ...event });
      await http({
        system: 'bot-events',
        method: 'POST',
        url: tenant.bot.eventsUrl,
        timeoutMs: tenant.bot.timeoutMs,
        headers: {
          'content-type': 'application/json',
          ...signatureHeaders(await secrets.resolve(tenant.bot.signingSecret), body),
        },
        body,
      });
    },
  };
}
