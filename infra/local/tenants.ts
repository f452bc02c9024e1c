/** The demo tenants of the local contract (../shared/LOCAL-CONTRACT.md), wired to the simulators. */
import type { TenantConfig } from '../../shared/config/tenants';
import { parseTenants } from '../../shared/config/tenants';

export const DEMO_TENANTS = ['demo', 'demo2'] as const;

const secretsOf = (tenant: string) => ({
  whatsappAppSecret: { value: `${tenant}-whatsapp-secret` },
  whatsappVerifyToken: { value: `${tenant}-verify-token` },
  webSigningSecret: { value: `${tenant}-web-secret` },
  botSigningSecret: { value: `${tenant}-bot-secret` },
  agentApiToken: { value: `${tenant}-agent-token` },
});

export function localTenants(simBaseUrl: string): TenantConfig[] {
  const tenant = (id: string, lockMinutes: number) => {
    const secrets = secretsOf(id);
    return {
      id,
      bot: { url: `${simBaseUrl}/bot/${id}`, signingSecret: secrets.botSigningSecret, timeoutMs: 2_000 },
      whatsapp: {
        graphApiUrl: `${simBaseUrl}/whatsapp`,
        apiVersion: 'v21.0',
        appSecret: secrets.whatsappAppSecret,
        verifyToken: secrets.whatsappVerifyToken,
        accessToken: { value: `${id}-graph-access-token` },
        timeoutMs: 2_000,
      },
      web: {
        signingSecret: secrets.webSigningSecret,
        deliveryUrl: `${simBaseUrl}/web/${id}`,
        timeoutMs: 2_000,
      },
      agentApiToken: secrets.agentApiToken,
      session: { lockMinutes },
      handoverEvent: 'handover',
    };
  };
  return parseTenants([tenant('demo', 24 * 60), tenant('demo2', 60)]);
}
