/** The Lambda environment, read once at init: a missing variable stops the function at cold start. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod/mini';
import { MIN_REF_KEY_LENGTH } from '../log/logger';
import { describeIssues, httpUrl, nonEmptyString, safeParse } from '../validation/zod';
import { SECRET_PATHS, type SecretPath } from './secret-paths';
import type { SecretRef } from './secrets';
import { ConfigError, lazyTenantDirectory, type TenantDirectory } from './tenants';

const environmentSchema = z
  .object({
    TABLE_NAME: nonEmptyString(),
    EVENT_BUS_NAME: nonEmptyString(),
    /** The tenants as JSON, or (in AWS) a file of the function's package holding it. */
    BATON_TENANTS: z.optional(z.string().check(z.minLength(2))),
    BATON_TENANTS_FILE: z.optional(nonEmptyString()),
    PUBLIC_API_URL: httpUrl(),
    AWS_REGION: z.optional(nonEmptyString()),
    LAMBDA_TASK_ROOT: z.optional(nonEmptyString()),
    LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error']), 'info'),
    /** The key of log and event references (HMAC): the secret the stack generated, or (locally) the key itself. */
    BATON_REF_KEY_SECRET: z.optional(nonEmptyString()),
    BATON_REF_KEY: z.optional(z.string().check(z.minLength(MIN_REF_KEY_LENGTH))),
    /** Where the media endpoint is served (functions/media: a function URL of its own in AWS). */
    BATON_MEDIA_URL: z.optional(httpUrl()),
    /** The key media links are signed with: the secret the stack generated, or (locally) the key itself. */
    BATON_MEDIA_LINK_KEY_SECRET: z.optional(nonEmptyString()),
    BATON_MEDIA_LINK_KEY: z.optional(z.string().check(z.minLength(MIN_REF_KEY_LENGTH))),
    /** The role the function takes on per tenant (shared/runtime/tenant-credentials). */
    BATON_TENANT_ROLE_ARN: nonEmptyString(),
    /** Where the tenants' secrets are that the function reads, comma-separated (its declaration's paths). */
    BATON_SECRET_PATHS: z._default(z.string(), ''),
    /** `arn:<partition>:secretsmanager:<region>:<account>:secret:`, for secrets configured by name. */
    BATON_SECRET_ARN_PREFIX: z._default(z.string(), ''),
  })
  .check(
    z.refine((env) => env.BATON_REF_KEY !== undefined || env.BATON_REF_KEY_SECRET !== undefined, {
      message: 'set BATON_REF_KEY_SECRET (or, outside AWS, BATON_REF_KEY)',
      path: ['BATON_REF_KEY_SECRET'],
    }),
    z.refine((env) => env.BATON_TENANTS !== undefined || env.BATON_TENANTS_FILE !== undefined, {
      message: 'set BATON_TENANTS or BATON_TENANTS_FILE',
      path: ['BATON_TENANTS'],
    }),
  );

export interface Environment {
  tableName: string;
  eventBusName: string;
  tenants: TenantDirectory;
  publicApiUrl: string;
  region: string | undefined;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Where the reference key is: resolved once at start (shared/log/logger `useRefKey`). */
  refKey: SecretRef;
  tenantRoleArn: string;
  /**
   * The media links' key (the functions that sign or check links) and the endpoint's URL (those that
   * sign them: the endpoint itself cannot name its own URL, a cycle in the template).
   */
  media: { url: string | undefined; linkKey: SecretRef } | undefined;
  secretPaths: SecretPath[];
  secretArnPrefix: string;
}

const secretPathsSchema = z.array(z.enum(SECRET_PATHS));

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const parsed = safeParse(environmentSchema, env);
  if (!parsed.success) throw new ConfigError(`invalid environment: ${describeIssues(parsed.error)}`);
  const data = parsed.data;
  const paths = safeParse(
    secretPathsSchema,
    data.BATON_SECRET_PATHS.split(',').filter((path) => path !== ''),
  );
  if (!paths.success)
    throw new ConfigError(`invalid environment: BATON_SECRET_PATHS: ${describeIssues(paths.error)}`);
  return {
    tableName: data.TABLE_NAME,
    eventBusName: data.EVENT_BUS_NAME,
    tenants: lazyTenantDirectory(
      tenantsJson(data.BATON_TENANTS, data.BATON_TENANTS_FILE, data.LAMBDA_TASK_ROOT),
    ),
    publicApiUrl: data.PUBLIC_API_URL.replace(/\/+$/, ''),
    region: data.AWS_REGION,
    logLevel: data.LOG_LEVEL,
    refKey:
      data.BATON_REF_KEY_SECRET !== undefined
        ? { secretId: data.BATON_REF_KEY_SECRET }
        : { value: data.BATON_REF_KEY ?? '' },
    tenantRoleArn: data.BATON_TENANT_ROLE_ARN,
    media: mediaOf(data),
    secretPaths: paths.data,
    secretArnPrefix: data.BATON_SECRET_ARN_PREFIX,
  };
}

function tenantsJson(
  inline: string | undefined,
  file: string | undefined,
  taskRoot: string | undefined,
): unknown {
  const [source, text] =
    inline !== undefined
      ? ['BATON_TENANTS', inline]
      : ['BATON_TENANTS_FILE', readFileSync(path.resolve(taskRoot ?? process.cwd(), file ?? ''), 'utf8')];
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON`, { cause: error });
  }
}

function mediaOf(data: z.infer<typeof environmentSchema>): Environment['media'] {
  const key = data.BATON_MEDIA_LINK_KEY_SECRET ?? data.BATON_MEDIA_LINK_KEY;
  if (key === undefined) {
    if (data.BATON_MEDIA_URL !== undefined)
      throw new ConfigError('invalid environment: BATON_MEDIA_URL without BATON_MEDIA_LINK_KEY_SECRET');
    return undefined;
  }
  return {
    url: data.BATON_MEDIA_URL,
    linkKey: data.BATON_MEDIA_LINK_KEY_SECRET !== undefined ? { secretId: key } : { value: key },
  };
}
