/** ChannelSender → WhatsApp Cloud API: `POST /{version}/{phone-number-id}/messages` with a bearer token. */

import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { HttpCall } from './http';
import type { OutgoingMessage } from './outgoing-message';

type WhatsAppConfig = NonNullable<TenantConfig['whatsapp']>;

export function whatsappMessageBody(to: string, message: OutgoingMessage): Record<string, unknown> {
  const base = { messaging_product: 'whatsapp', recipient_type: 'individual', to };
  if (!message.buttons?.length) return { ...base, type: 'text', text: { body: message.text } };
  return {
    ...base,
    type: 'interactive',
    interactive: {
      type: 'button',
      body: { text: message.text },
      action: {
        buttons: message.buttons.slice(0, 3).map((button) => ({
          type: 'reply',
          reply: { id: button.payload, title: button.title.slice(0, 20) },
        })),
      },
    },
  };
}

export async function sendWhatsApp(
  http: HttpCall,
  secrets: SecretResolver,
  config: WhatsAppConfig,
  address: { waId: string; phoneNumberId: string },
  message: OutgoingMessage,
): Promise<void> {
  const token = await secrets.resolve(config.accessToken);
  const base = config.graphApiUrl.replace(/\/+$/, '');
  await http({
    system: 'whatsapp',
    method: 'POST',
    url: `${base}/${config.apiVersion}/${encodeURIComponent(address.phoneNumberId)}/messages`,
    timeoutMs: config.timeoutMs,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(whatsappMessageBody(address.waId, message)),
  });
}
