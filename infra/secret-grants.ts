/**
 * Which of the tenants' secrets a function may read: those configured at the paths its declaration
 * names (infra/topology.ts). The AWS stack grants GetSecretValue on exactly these; the local stack
 * gives each function a resolver that refuses any other, as IAM would.
 */

import { type SecretRef, type SecretResolver, SecretUnavailableError } from '../shared/config/secrets';

/**
 * A resolver that reads only `granted` (the local stack's stand-in for IAM): any other reference
 * fails as GetSecretValue without the grant would, naming the function.
 */
export function grantedSecrets(
  inner: SecretResolver,
  granted: readonly SecretRef[],
  functionName: string,
): SecretResolver {
  const allowed = new Set(granted.map((ref) => JSON.stringify(ref)));
  return {
    resolve(ref) {
      if (!allowed.has(JSON.stringify(ref)))
        return Promise.reject(
          new SecretUnavailableError(
            `${functionName} is not granted this secret (infra/topology.ts access.secrets)`,
          ),
        );
      return inner.resolve(ref);
    },
  };
}
