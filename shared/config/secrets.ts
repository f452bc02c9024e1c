/**
 * Secrets are configured by reference: a Secrets Manager secret in AWS (optionally one JSON field of
 * it), a literal value only for the local stack and tests. Values are resolved at run time and
 * cached, never put in environment variables.
 */
import * as z from 'zod/mini';
import { nonEmptyString } from '../validation/zod';

export const secretRefSchema = z.union([
  z.strictObject({ secretId: nonEmptyString(), field: z.optional(nonEmptyString()) }),
  z.strictObject({ value: nonEmptyString() }),
]);
export type SecretRef = z.infer<typeof secretRefSchema>;

export interface SecretResolver {
  resolve(ref: SecretRef): Promise<string>;
}

export class SecretUnavailableError extends Error {
  override readonly name = 'SecretUnavailableError';
}

/** Resolves literal values only; a `secretId` reference is a configuration error outside AWS. */
export const literalSecrets: SecretResolver = {
  async resolve(ref) {
    if ('value' in ref) return ref.value;
    throw new SecretUnavailableError(
      `secret ${ref.secretId} needs Secrets Manager, which is not configured here`,
    );
  },
};
