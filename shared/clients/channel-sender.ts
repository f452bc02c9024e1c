/** Picks the channel adapter from the conversation's channel and the tenant's configuration. */
import type { SecretResolver } from '../config/secrets';
import type { TenantDirectory } from '../config/tenants';
import type { HttpCall } from './http';
import type { ChannelSender } from './outgoing-message';
import { sendRouterHosted } from './router-sender';
import { sendWeb } from './web-sender';
import { sendWhatsApp } from './whatsapp-sender';

export class ChannelNotConfiguredError extends Error {
  override readonly name = 'ChannelNotConfiguredError';
}

export function createChannelSender(
  tenants: TenantDirectory,
  secrets: SecretResolver,
  http: HttpCall,
): ChannelSender {
  return {
    async send(to, message) {
      const tenant = tenants.get(to.tenantId);
      const channel = to.channel;
      switch (channel.type) {
        case 'whatsapp':
          if (!tenant?.whatsapp)
            throw new ChannelNotConfiguredError(`tenant ${to.tenantId} has no WhatsApp channel`);
          return sendWhatsApp(http, secrets, tenant.whatsapp, channel, message);
        case 'web':
          if (!tenant?.web) throw new ChannelNotConfiguredError(`tenant ${to.tenantId} has no web channel`);
          return sendWeb(http, secrets, tenant.web, to.conversationId, message);
        case 'router':
          if (!tenant?.router)
            throw new ChannelNotConfiguredError(`tenant ${to.tenantId} has no channel on CM.com's router`);
          return sendRouterHosted({ http, secrets }, tenant.router, channel, message);
      }
    },
  };
}
