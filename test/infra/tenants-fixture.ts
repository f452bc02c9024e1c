/** The tenants both infrastructure suites synthesize with, and what "a secret in plain text" looks like. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const projectRoot = path.resolve(__dirname, '..', '..');

/** infra/aws/tenants.example.json as the CDK app reads it: untyped until Baton validates it. */
export function readExampleTenants(): unknown {
  return JSON.parse(readFileSync(path.join(projectRoot, 'infra', 'aws', 'tenants.example.json'), 'utf8'));
}

/** Every string anywhere in a JSON value (URLs, secret ids, field names, prompts, ...). */
export function stringLeaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(stringLeaves);
}

const secretLikeKey = /secret|token|password|api[-_]?key/i;

/** Where a tenant configuration holds a literal secret, or a secret-looking field that is no reference. */
export function literalSecretsIn(value: unknown, where: string): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const found: string[] = [];
  if ('value' in value) found.push(`${where}.value`);
  // A reference `{ secretId, field? }` is a leaf: its keys name a secret, they hold none.
  if (typeof Reflect.get(value, 'secretId') === 'string') return found;
  for (const [key, child] of Object.entries(value)) {
    const isReference =
      typeof child === 'object' && child !== null && typeof Reflect.get(child, 'secretId') === 'string';
    if (secretLikeKey.test(key) && !isReference) found.push(`${where}.${key}`);
    found.push(...literalSecretsIn(child, `${where}.${key}`));
  }
  return found;
}
