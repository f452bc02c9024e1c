/**
 * Where in a tenant's configuration each secret is, by path: what a function's declaration grants it
 * (infra/topology.ts), what the stack grants in IAM, and what a function asks for when it takes on a
 * tenant's credentials (only that tenant's secrets at its paths).
 */
import { agentTokensByDesk } from './desk-routing';
import type { SecretRef } from './secrets';
import type { TenantConfig } from './tenants';

/**
 * A secret of the tenant configuration, by where it is configured. `desk.*`, `presence.*` and
 * `agentApiToken` cover the named desks' too (`desks.<name>.…`).
 */
export const SECRET_PATHS = [
  'bot.signingSecret',
  'whatsapp.appSecret',
  'whatsapp.verifyToken',
  'whatsapp.accessToken',
  'web.signingSecret',
  'webConversations.signingSecret',
  'router.productToken',
  'desk.productToken',
  'desk.signingSecret',
  'presence.apiKey',
  'agentApiToken',
] as const;
export type SecretPath = (typeof SECRET_PATHS)[number];

type Desk = TenantConfig['desk'];
type Presence = TenantConfig['presence'];

const desksOf = (tenant: TenantConfig): Desk[] => [
  tenant.desk,
  ...Object.values(tenant.desks ?? {}).map((entry) => entry.desk),
];
const presencesOf = (tenant: TenantConfig): Presence[] => [
  tenant.presence,
  ...Object.values(tenant.desks ?? {}).flatMap((entry) => (entry.presence ? [entry.presence] : [])),
];

/** The secrets one tenant configures at `path` (none when it does not use that part). */
export function secretRefsAt(tenant: TenantConfig, path: SecretPath): SecretRef[] {
  switch (path) {
    case 'bot.signingSecret':
      return [tenant.bot.signingSecret];
    case 'whatsapp.appSecret':
    case 'whatsapp.verifyToken':
    case 'whatsapp.accessToken': {
      const whatsapp = tenant.whatsapp;
      if (!whatsapp) return [];
      return [
        {
          'whatsapp.appSecret': whatsapp.appSecret,
          'whatsapp.verifyToken': whatsapp.verifyToken,
          'whatsapp.accessToken': whatsapp.accessToken,
        }[path],
      ];
    }
    case 'web.signingSecret':
      return tenant.web ? [tenant.web.signingSecret] : [];
    case 'webConversations.signingSecret':
      return tenant.webConversations?.signingSecret ? [tenant.webConversations.signingSecret] : [];
    case 'router.productToken':
      return tenant.router ? [tenant.router.productToken] : [];
    case 'desk.productToken':
      return desksOf(tenant).flatMap((desk) => (desk.type === 'msc' ? [desk.productToken] : []));
    case 'desk.signingSecret':
      return desksOf(tenant).flatMap((desk) => (desk.type === 'webhook' ? [desk.signingSecret] : []));
    case 'presence.apiKey':
      return presencesOf(tenant).flatMap((presence) => (presence.type === 'msc' ? [presence.apiKey] : []));
    case 'agentApiToken':
      return agentTokensByDesk(tenant).flatMap((desk) => desk.tokens);
  }
}

/** Every secret the tenants configure at `paths`. */
export const secretRefsOf = (tenants: readonly TenantConfig[], paths: readonly SecretPath[]): SecretRef[] =>
  tenants.flatMap((tenant) => paths.flatMap((path) => secretRefsAt(tenant, path)));
