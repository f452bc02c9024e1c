/**
 * Which of a tenant's desks a handover goes to: its skill through `skillRouting`, else the default
 * desk. The clients take the tenant as they always did; a desk's view of it has that desk (and its
 * presence) in the tenant's place.
 */
import type { SecretRef } from './secrets';
import type { AgentTokens, TenantConfig } from './tenants';

/** A tenant as one of its desks sees it; `deskName` is absent for the default desk. */
export type DeskView = TenantConfig & { deskName?: string | undefined };

/** The desk for a skill: its name, or undefined for the default desk. */
export function deskNameFor(tenant: TenantConfig, skill: string | undefined): string | undefined {
  if (skill === undefined) return undefined;
  const name = tenant.skillRouting?.[skill];
  return name !== undefined && tenant.desks?.[name] ? name : undefined;
}

/** The tenant with the desk (and presence) that `skill` routes to in its place. */
export function deskView(tenant: TenantConfig, skill: string | undefined): DeskView {
  const name = deskNameFor(tenant, skill);
  const entry = name === undefined ? undefined : tenant.desks?.[name];
  if (!entry) return tenant;
  return { ...tenant, desk: entry.desk, presence: entry.presence ?? tenant.presence, deskName: name };
}

/** The desk a conversation's handover (or, after it, its last one) went to. */
export const deskOfConversation = (
  tenant: TenantConfig,
  conversation: {
    handover?: { additions: { skill?: string | undefined } } | undefined;
    additions?: { skill?: string | undefined } | undefined;
  },
): DeskView => deskView(tenant, (conversation.handover?.additions ?? conversation.additions)?.skill);

const tokenList = (tokens: AgentTokens): readonly SecretRef[] => (Array.isArray(tokens) ? tokens : [tokens]);

/** Every desk's agent API tokens (two during a rotation), by desk name: undefined is the default desk. */
export const agentTokensByDesk = (
  tenant: TenantConfig,
): Array<{ deskName: string | undefined; tokens: readonly SecretRef[] }> => [
  { deskName: undefined, tokens: tokenList(tenant.agentApiToken) },
  ...Object.entries(tenant.desks ?? {}).map(([deskName, entry]) => ({
    deskName,
    tokens: tokenList(entry.agentApiToken),
  })),
];
