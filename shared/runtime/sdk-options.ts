/**
 * How every AWS SDK client talks HTTP. The SDK has no request timeout by default, and since
 * @smithy/node-http-handler 4.x `requestTimeout` alone only logs a warning: `throwOnRequestTimeout`
 * makes it fail the attempt, which the SDK's own retries then repeat (backoff, jitter).
 */
export const SDK_REQUEST_HANDLER = {
  connectionTimeout: 1_000,
  requestTimeout: 3_000,
  throwOnRequestTimeout: true,
} as const;
