/** ChannelSender → the web chat's delivery endpoint: `{conversationId, text, buttons?, media?, list?}`, signed like inbound. */
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import { signatureHeaders } from '../http/signature';
import type { HttpCall } from './http';
import type { OutgoingMessage } from './outgoing-message';

type WebConfig = NonNullable<TenantConfig['web']>;

export async function sendWeb(
  http: HttpCall,
  secrets: SecretResolver,
  config: WebConfig,
  conversationId: string,
  message: OutgoingMessage,
): Promise<void> {
  const { text, buttons, media, list } = message;
  const body = JSON.stringify({ conversationId, text, buttons, media, list });
  await http({
    system: 'web',
    method: 'POST',
    url: config.deliveryUrl,
    timeoutMs: config.timeoutMs,
    headers: {
      'content-type': 'application/json',
      ...signatureHeaders(await secrets.resolve(config.signingSecret), body),
    },
    body,
  });
}
