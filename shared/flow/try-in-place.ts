/**
 * One outside call of the conveyor, tried in place: between attempts it waits where it is, since
 * its conversation's records wait behind it anyway, and only the conversations in its lane of the
 * shard wait with it.
 */
import { OutsideCallError } from '../clients/http';
import { MAX_DELIVERY_ATTEMPTS } from '../domain/inbox';

const DELAYS_MS = [500, 2_000];

/** The wait before each retry; as many as a delivery has retries. */
export const retryDelaysMs = (): readonly number[] => DELAYS_MS.slice(0, MAX_DELIVERY_ATTEMPTS - 1);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Undefined when the call succeeded; else the error it ended on and how many attempts it took. */
export type GaveUp = { error: unknown; attempts: number } | undefined;

/**
 * Calls `call` until it succeeds, an error `mayRetry` refuses comes, or the attempts run out;
 * `onRetry` hears of each failure that is tried again.
 */
export async function tryInPlace(
  call: () => Promise<unknown>,
  mayRetry: (error: unknown) => boolean,
  onRetry: (error: unknown, attempt: number) => void,
): Promise<GaveUp> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await call();
      return undefined;
    } catch (error) {
      const delay = retryDelaysMs()[attempt - 1];
      if (delay === undefined || !mayRetry(error)) return { error, attempts: attempt };
      onRetry(error, attempt);
      await sleep(delay);
    }
  }
}

/** An outside system's failure that a retry may mend (a timeout, a 5xx, a 429). */
export const isRetryableOutside = (error: unknown): boolean =>
  error instanceof OutsideCallError && error.retryable;
