/** Picks the channel adapter from the conversation's channel and the tenant's configuration. */
import type { SecretResolver } from '../config/secrets';
import type { TenantDirectory } from '../config/tenants';
import type { HttpCall } from './http';
import type { ChannelSender } from './outgoing-message';
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
      if (channel.type === 'whatsapp') {
        if (!tenant?.whatsapp)
          throw new ChannelNotConfiguredError(`tenant ${to.tenantId} has no WhatsApp channel`);
        return sendWhatsApp(http, secrets, tenant.whatsapp, channel, message);
      }
      if (!tenant?.web) throw new ChannelNotConfiguredError(`tenant ${to.tenantId} has no web channel`);
      return sendWeb(http, secrets, tenant.web, to.conversationId, message);
    },
  };
}
