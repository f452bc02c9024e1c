/** The Lambda environment, read once at init: a missing variable stops the function at cold start. */
import * as z from 'zod';
import { ConfigError, parseTenants, type TenantConfig } from './tenants';

const environmentSchema = z.object({
  TABLE_NAME: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  BATON_TENANTS: z.string().min(2),
  PUBLIC_API_URL: z.url(),
  AWS_REGION: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export interface Environment {
  tableName: string;
  eventBusName: string;
  tenants: TenantConfig[];
  publicApiUrl: string;
  region: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid environment: ${z.prettifyError(parsed.error)}`);
  let tenantsJson: unknown;
  try {
    tenantsJson = JSON.parse(parsed.data.BATON_TENANTS);
  } catch (error) {
    throw new ConfigError('BATON_TENANTS is not valid JSON', { cause: error });
  }
  return {
    tableName: parsed.data.TABLE_NAME,
    eventBusName: parsed.data.EVENT_BUS_NAME,
    tenants: parseTenants(tenantsJson),
    publicApiUrl: parsed.data.PUBLIC_API_URL.replace(/\/+$/, ''),
    region: parsed.data.AWS_REGION,
    logLevel: parsed.data.LOG_LEVEL,
  };
}
