/** Tenant configuration as code, validated once at start; a bad configuration stops the process. */
import * as z from 'zod';
import { secretRefSchema } from './secrets';

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

const httpUrl = z.url({ protocol: /^https?$/ });

export const tenantConfigSchema = z
  .object({
    id: z.string().regex(TENANT_ID_PATTERN, 'lowercase letters, digits and dashes, at most 40'),
    bot: z
      .object({
        /** Baton POSTs each user message here and delivers the answers it returns. */
        url: httpUrl,
        /** Signs Baton's requests to the bot and verifies answers pushed to `/answers`. */
        signingSecret: secretRefSchema,
        timeoutMs: z.number().int().min(100).max(25_000).default(5_000),
      })
      .strict(),
    whatsapp: z
      .object({
        graphApiUrl: httpUrl.default('https://graph.facebook.com'),
        apiVersion: z
          .string()
          .regex(/^v\d+\.\d+$/)
          .default('v21.0'),
        appSecret: secretRefSchema,
        verifyToken: secretRefSchema,
        accessToken: secretRefSchema,
        timeoutMs: z.number().int().min(100).max(25_000).default(5_000),
      })
      .strict()
      .optional(),
    web: z
      .object({
        signingSecret: secretRefSchema,
        /** Baton POSTs messages for the user here: `{conversationId, text, buttons?}`. */
        deliveryUrl: httpUrl,
        timeoutMs: z.number().int().min(100).max(25_000).default(5_000),
      })
      .strict()
      .optional(),
    agentApiToken: secretRefSchema,
    session: z
      .object({
        /** Inactivity after which an agent's lock on a conversation ends (CSML: 60, CM.com: 24 h). */
        lockMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(24 * 60),
      })
      .strict()
      .default({ lockMinutes: 24 * 60 }),
    /** The `triggerEvent` metadata value that asks for a handover. */
    handoverEvent: z.string().min(1).default('handover'),
  })
  .strict();

export type TenantConfig = z.infer<typeof tenantConfigSchema>;

export const tenantsSchema = z
  .array(tenantConfigSchema)
  .min(1)
  .refine(
    (tenants) => new Set(tenants.map((t) => t.id)).size === tenants.length,
    'tenant ids must be unique',
  );

export interface TenantDirectory {
  get(tenantId: string): TenantConfig | undefined;
  ids(): string[];
}

export function tenantDirectory(tenants: readonly TenantConfig[]): TenantDirectory {
  const byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
  return { get: (tenantId) => byId.get(tenantId), ids: () => [...byId.keys()] };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseTenants(input: unknown): TenantConfig[] {
  const result = tenantsSchema.safeParse(input);
  if (!result.success)
    throw new ConfigError(`invalid tenant configuration: ${z.prettifyError(result.error)}`);
  return result.data;
}
