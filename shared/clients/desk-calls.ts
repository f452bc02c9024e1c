/** The two kinds of agent desk on the wire: MSC's control API for one chat, and a generic webhook. */
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import type { HttpCall } from './http';

/** POSTs `body` to `<chat>/<suffix>` on the tenant's MSC desk, with its product token. */
export const msc =
  (http: HttpCall, secrets: SecretResolver) =>
  async (tenant: TenantConfig, conversationId: string, suffix: string, body: unknown): Promise<void> => {
    const desk = tenant.desk;
    if (desk.type !== 'msc') throw new Error('not an MSC desk');
    const base = desk.apiUrl.replace(/\/+$/, '');
    const chat = `${base}/conversational/control/v1/accounts/${encodeURIComponent(desk.technicalLinkId)}/chats/${encodeURIComponent(conversationId)}`;
    await http({
      system: 'msc',
      method: 'POST',
      url: `${chat}/${suffix}`,
      timeoutMs: desk.timeoutMs,
      headers: {
        'X-Cm-Producttoken': await secrets.resolve(desk.productToken),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(body),
    });
  };

/** POSTs `body` to the tenant's webhook desk. */
export const webhook =
  (http: HttpCall) =>
  async (tenant: TenantConfig, body: Record<string, unknown>): Promise<void> => {
    const desk = tenant.desk;
    if (desk.type !== 'webhook') throw new Error('not a webhook desk');
    await http({
      system: 'agent-webhook',
      method: 'POST',
      url: desk.url,
      timeoutMs: desk.timeoutMs,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  };
