/** The generic webhook desk on the wire (MSC is reached through CM.com's router: cm-router.ts). */
import type { SecretResolver } from '../config/secrets';
import type { TenantConfig } from '../config/tenants';
import { signatureHeaders } from '../http/signature';
import type { HttpCall } from './http';

/** POSTs `body` to the tenant's webhook desk, signed with the desk's signing secret. */
export const webhook =
  (http: HttpCall, secrets: SecretResolver) =>
  async (tenant: TenantConfig, body: Record<string, unknown>): Promise<void> => {
    const desk = tenant.desk;
    if (desk.type !== 'webhook') throw new Error('not a webhook desk');
    const json = JSON.stringify(body);
    await http({
      system: 'agent-webhook',
      method: 'POST',
      url: desk.url,
      timeoutMs: desk.timeoutMs,
      headers: {
        'content-type': 'application/json',
        ...signatureHeaders(await secrets.resolve(desk.signingSecret), json),
      },
      body: json,
    });
  };
