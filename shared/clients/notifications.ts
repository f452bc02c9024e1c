/** One-way notices: Web Conversations' handover endpoint, and session events for the bot. */
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import { sign } from '../http/signature';
import type { HttpCall } from './http';

export interface Notifications {
  /** Tells Web Conversations a handover happened so its UI enables attachments; no-op when not configured. */
  webConversationsHandover(tenant: TenantConfig, conversationId: string): Promise<void>;
  /** LIVECHAT_SESSION_END / LIVECHAT_SESSION_EXPIRED for the bot; no-op when the bot has no events URL. */
  botSessionEvent(tenant: TenantConfig, conversationId: string, payload: string): Promise<void>;
}

export function createNotifications(http: HttpCall, secrets: SecretResolver): Notifications {
  return {
    async webConversationsHandover(tenant, conversationId) {
      const endpoint = tenant.webConversations;
      if (!endpoint) return;
      await http({
        system: 'webconv',
        method: 'POST',
        url: endpoint.handoverUrl,
        timeoutMs: endpoint.timeoutMs,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ conversationClientId: conversationId }),
      });
    },
    async botSessionEvent(tenant, conversationId, payload) {
      if (!tenant.bot.eventsUrl) return;
      const body = JSON.stringify({ tenantId: tenant.id, conversationId, payload });
      await http({
        system: 'bot-events',
        method: 'POST',
        url: tenant.bot.eventsUrl,
        timeoutMs: tenant.bot.timeoutMs,
        headers: {
          'content-type': 'application/json',
          'x-baton-signature': sign(await secrets.resolve(tenant.bot.signingSecret), body),
        },
        body,
      });
    },
  };
}
