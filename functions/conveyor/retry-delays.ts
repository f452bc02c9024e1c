/**
 * Between the attempts of one delivery the consumer waits in place: its conversation's records wait
 * behind it anyway, and only the conversations in its lane of the shard wait with it.
 */
import { MAX_DELIVERY_ATTEMPTS } from '../../shared/domain/inbox';

const DELAYS_MS = [500, 2_000];

/** The wait before each retry; as many as a delivery has retries. */
export const retryDelaysMs = (): readonly number[] => DELAYS_MS.slice(0, MAX_DELIVERY_ATTEMPTS - 1);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
