/** SecretResolver → AWS Secrets Manager, cached per container so a warm invocation makes no call. */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod/mini';
import { stringRecord } from '../validation/zod';
import { type SecretRef, type SecretResolver, SecretUnavailableError } from './secrets';

const jsonObject = stringRecord(z.unknown());

export function secretsManagerResolver(
  client: SecretsManagerClient,
  options: { ttlMs: number; now: () => number } = { ttlMs: 5 * 60_000, now: Date.now },
): SecretResolver {
  const cache = new Map<string, { value: Promise<string>; until: number }>();
  const fetchSecret = async (secretId: string): Promise<string> => {
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (result.SecretString === undefined)
      throw new SecretUnavailableError(`secret ${secretId} has no string value`);
    return result.SecretString;
  };
  const cached = (secretId: string): Promise<string> => {
    const hit = cache.get(secretId);
    if (hit && hit.until > options.now()) return hit.value;
    // Concurrent lookups share one call; a failed call is not cached.
    const value = fetchSecret(secretId);
    cache.set(secretId, { value, until: options.now() + options.ttlMs });
    value.catch(() => cache.delete(secretId));
    return value;
  };
  return {
    async resolve(ref: SecretRef) {
      if ('value' in ref) return ref.value;
      const raw = await cached(ref.secretId);
      if (!ref.field) return raw;
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch (error) {
        throw new SecretUnavailableError(`secret ${ref.secretId} is not JSON`, { cause: error });
      }
      const field = jsonObject.safeParse(parsed).data?.[ref.field];
      if (typeof field !== 'string')
        throw new SecretUnavailableError(`secret ${ref.secretId} has no field ${ref.field}`);
      return field;
    },
  };
}
