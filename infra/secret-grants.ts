/**
 * Which of the tenants' secrets a function may read: those configured at the paths its declaration
 * names (infra/topology.ts). The AWS stack grants GetSecretValue on exactly these; the local stack
 * gives each function a resolver that refuses any other, as IAM would.
 */

import { agentTokensByDesk } from '../shared/config/desk-routing';
import { type SecretRef, type SecretResolver, SecretUnavailableError } from '../shared/config/secrets';
import type { TenantConfig } from '../shared/config/tenants';
import type { SecretPath } from './topology';

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

/**
 * A resolver that reads only `granted` (the local stack's stand-in for IAM): any other reference
 * fails as GetSecretValue without the grant would, naming the function.
 */
export function grantedSecrets(
  inner: SecretResolver,
  granted: readonly SecretRef[],
  functionName: string,
): SecretResolver {
  const allowed = new Set(granted.map((ref) => JSON.stringify(ref)));
  return {
    resolve(ref) {
      if (!allowed.has(JSON.stringify(ref)))
        return Promise.reject(
          new SecretUnavailableError(
            `${functionName} is not granted this secret (infra/topology.ts access.secrets)`,
          ),
        );
      return inner.resolve(ref);
    },
  };
}
