/**
 * A function's credentials for one tenant (AWS): STS AssumeRole of the function's tenant role, the
 * session tagged `tenant=<id>` (the role's DynamoDB grant holds only keys starting `T#<id>#`) and
 * narrowed by a session policy to that tenant's secrets at the function's paths. Kept per container
 * and renewed before they expire.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { type SecretPath, secretRefsAt } from '../config/secret-paths';
import type { TenantConfig } from '../config/tenants';

/** What Baton's stores do to items; no scans, nothing on the table itself. */
export const ITEM_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];
export const ITEM_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

/** The session tag the tenant role's conditions read (`aws:PrincipalTag/tenant`). */
export const TENANT_TAG = 'tenant';
/** STS refuses a session policy longer than this (plain text). */
export const MAX_SESSION_POLICY_CHARS = 2048;
const SESSION_SECONDS = 3600;
/** Renewed this long before they expire, so no request goes out on credentials about to lapse. */
const RENEW_BEFORE_MS = 10 * 60_000;

/** A Secrets Manager ARN for a configured secret id: a name gets the six characters AWS appends. */
export const secretArnFor = (arnPrefix: string, secretId: string): string =>
  secretId.startsWith('arn:') ? secretId : `${arnPrefix}${secretId}-??????`;

/**
 * What a session for `tenant` may do, at most: the role's item actions (the role narrows them to the
 * table and the tenant's keys), and GetSecretValue on the tenant's own secrets at `paths`. Throws
 * when it would be too long for STS (the stack checks every tenant at synth, so a deploy fails first).
 */
export function tenantSessionPolicy(
  tenant: TenantConfig,
  paths: readonly SecretPath[],
  arnPrefix: string,
): string {
  const secretArns = [
    ...new Set(
      paths.flatMap((path) =>
        secretRefsAt(tenant, path).flatMap((ref) =>
          'secretId' in ref ? [secretArnFor(arnPrefix, ref.secretId)] : [],
        ),
      ),
    ),
  ].sort();
  const statements: object[] = [
    { Effect: 'Allow', Action: [...ITEM_READ_ACTIONS, ...ITEM_WRITE_ACTIONS], Resource: '*' },
  ];
  if (secretArns.length > 0)
    statements.push({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArns });
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
  if (policy.length > MAX_SESSION_POLICY_CHARS)
    throw new Error(
      `tenant ${tenant.id}: its ${secretArns.length} secrets make a session policy of ${policy.length} characters (STS takes ${MAX_SESSION_POLICY_CHARS}); use fewer secrets or JSON fields of one secret`,
    );
  return policy;
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface TenantRole {
  sts: Pick<STSClient, 'send'>;
  roleArn: string;
  functionName: string;
}

export class TenantCredentialsError extends Error {
  override readonly name = 'TenantCredentialsError';
}

/**
 * The credentials provider of one tenant's clients (the table's and Secrets Manager's share it: one
 * AssumeRole for both). Concurrent callers share one call; a failed call is tried again next time.
 */
export function tenantCredentials(
  role: TenantRole,
  tenantId: string,
  policy: string,
  now: () => number = Date.now,
): () => Promise<TemporaryCredentials> {
  let current: TemporaryCredentials | undefined;
  let pending: Promise<TemporaryCredentials> | undefined;
  const assume = async (): Promise<TemporaryCredentials> => {
    const { Credentials: given } = await role.sts.send(
      new AssumeRoleCommand({
        RoleArn: role.roleArn,
        // Shows in CloudTrail as who acted: the function, for the tenant.
        RoleSessionName: `${role.functionName}.${tenantId}`.slice(0, 64),
        DurationSeconds: SESSION_SECONDS,
        Tags: [{ Key: TENANT_TAG, Value: tenantId }],
        Policy: policy,
      }),
    );
    if (!given?.AccessKeyId || !given.SecretAccessKey || !given.SessionToken || !given.Expiration)
      throw new TenantCredentialsError(`STS gave no credentials for tenant ${tenantId}`);
    current = {
      accessKeyId: given.AccessKeyId,
      secretAccessKey: given.SecretAccessKey,
      sessionToken: given.SessionToken,
      expiration: given.Expiration,
    };
    return current;
  };
  return async () => {
    if (current && current.expiration.getTime() - RENEW_BEFORE_MS > now()) return current;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
