/** The generic webhook desk on the wire (MSC is reached through CM.com's router: cm-router.ts). */
import type { TenantConfig } from '../config/tenants';
import type { HttpCall } from './http';

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
