/** The Secrets Manager secrets the tenants' configuration refers to; literal values are refused in AWS. */
import { Arn, ArnFormat, type Stack } from 'aws-cdk-lib';
import { secretRefsOf } from '../../shared/config/secret-paths';
import type { TenantConfig } from '../../shared/config/tenants';
import type { SecretPath } from '../topology';

/** The secret ids configured at `paths` (a function's grant), each once. */
export function grantedSecretIds(tenants: readonly TenantConfig[], paths: readonly SecretPath[]): string[] {
  const ids = secretRefsOf(tenants, paths).flatMap((ref) => ('secretId' in ref ? [ref.secretId] : []));
  return [...new Set(ids)].sort();
}

/** Refuses a literal secret value anywhere in the tenants: in AWS it would end up in plaintext. */
export function refuseLiteralSecrets(tenants: readonly TenantConfig[]): void {
  const visit = (value: unknown, where: string): void => {
    if (typeof value !== 'object' || value === null) return;
    if ('value' in value && Object.keys(value).length === 1) {
      throw new Error(`${where}: a literal secret value would end up in plaintext; use {"secretId": ...}`);
    }
    if (typeof Reflect.get(value, 'secretId') === 'string') return;
    for (const [key, child] of Object.entries(value)) visit(child, `${where}.${key}`);
  };
  for (const tenant of tenants) visit(tenant, `tenant ${tenant.id}`);
}

/** A secret name becomes its ARN pattern (Secrets Manager appends six random characters). */
export function secretArn(stack: Stack, secretId: string): string {
  if (secretId.startsWith('arn:')) return secretId;
  return Arn.format(
    {
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${secretId}-??????`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    },
    stack,
  );
}
