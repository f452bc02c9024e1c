/**
 * Which of a tenant's desks is calling the agent API: the one whose token (or, during a rotation,
 * one of its two) the bearer is. Each desk reaches only the conversations handed to it.
 */

import { agentTokensByDesk } from '../../shared/config/desk-routing';
import type { SecretResolver } from '../../shared/config/secrets';
import type { TenantConfig } from '../../shared/config/tenants';
import { sameSecret } from '../../shared/http/signature';

/** The desk calling: its name in `desks`, or undefined for the tenant's default desk. */
export interface DeskCaller {
  deskName: string | undefined;
}

/** The tenant's default desk (MSC's router calls as it). */
export const DEFAULT_DESK: DeskCaller = { deskName: undefined };

export async function deskOfBearer(
  secrets: SecretResolver,
  tenant: TenantConfig,
  authorization: string | undefined,
): Promise<DeskCaller | undefined> {
  for (const { deskName, tokens } of agentTokensByDesk(tenant)) {
    for (const token of tokens) {
      if (sameSecret(authorization, `Bearer ${await secrets.resolve(token)}`)) return { deskName };
    }
  }
  return undefined;
}
