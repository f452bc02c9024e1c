/**
 * Secrets are configured by reference: a Secrets Manager secret in AWS (optionally one JSON field of
 * it), a literal value only for the local stack and tests. Values are resolved at run time and
 * cached, never put in environment variables.
 */
import * as z from 'zod';

export const secretRefSchema = z.union([
  z.object({ secretId: z.string().min(1), field: z.string().min(1).optional() }).strict(),
  z.object({ value: z.string().min(1) }).strict(),
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
