/**
 * PresenceClient with protection for the presence API (MSC allows 3 calls per second): answers are
 * shared in the table per tenant, channel and referrer for a short time (every container sees the
 * same answer), concurrent lookups in one container share one call, and calls across containers
 * are held to a per-second budget, spread evenly over the second; who finds the budget spent
 * waits for the answer another caller is fetching.
 */
import type { TenantConfig } from '../config/tenants';
import type { Clock } from '../domain/clock';
import type { PresenceCacheStore } from '../store/presence-cache-repository';
import type { PresenceClient, PresenceQuery, PresenceResult } from './presence-client';

/** A failed check is reused only this long, so a recovering desk is seen soon. */
const FAILURE_CACHE_MS = 1_000;
/** The part of each second the calls are spread over; the rest is margin for network and load. */
const SPREAD_MS = 750;
/** How many second boundaries a caller waits for someone else's answer before giving up (offline). */
const MAX_WAITS = 4;

export interface CachedPresenceOptions {
  store: PresenceCacheStore;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
}

export function cachedPresence(inner: PresenceClient, options: CachedPresenceOptions): PresenceClient {
  const { store, clock } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const inFlight = new Map<string, Promise<PresenceResult>>();

  const lookUp = async (
    tenant: TenantConfig,
    query: PresenceQuery,
    referrer: string,
  ): Promise<PresenceResult> => {
    const { cacheSeconds, maxCallsPerSecond } = tenant.presence;
    for (let wait = 0; wait <= MAX_WAITS; wait += 1) {
      const shared = await store.read(tenant.id, query.channel, referrer, clock.now());
      if (shared) return { status: shared };
      const width = SPREAD_MS / maxCallsPerSecond;
      // Past the spread a call could land in the next second: wait for it instead of spending a slot.
      if (clock.now() % 1000 >= SPREAD_MS) {
        await sleep(1000 - (clock.now() % 1000));
        continue;
      }
      const takenAt = clock.now();
      const slot = await store.takeCallSlot(tenant.id, takenAt, maxCallsPerSecond);
      if (slot !== undefined) {
        // Each call starts in a window of its second, so calls are spread over the first 750 ms and
        // never bunch at a second's boundary. A call takes the later of its slot's window and the
        // window of now: one that comes late in a second does not spend the windows already past.
        const second = Math.floor(takenAt / 1000) * 1000;
        const window = Math.max(slot, Math.floor((clock.now() - second) / width));
        if (window >= maxCallsPerSecond) continue;
        const windowStart = second + window * width;
        if (windowStart > clock.now()) await sleep(windowStart - clock.now());
        const result = await inner.check(tenant, query);
        const until = clock.now() + (result.failure ? FAILURE_CACHE_MS : cacheSeconds * 1000);
        await store.write(tenant.id, query.channel, referrer, result.status, until);
        return result;
      }
      // The budget of this second is spent: someone is fetching the answer; look again next second.
      await sleep(1000 - (clock.now() % 1000) + Math.floor(Math.random() * 50));
    }
    return { status: 'offline', failure: 'rate-limited' };
  };

  return {
    async check(tenant, query) {
      if (tenant.presence.cacheSeconds === 0) return inner.check(tenant, query);
      const referrer = query.referrer ?? '';
      const key = `${tenant.id}\u0000${query.channel}\u0000${referrer}`;
      const pending = inFlight.get(key);
      if (pending) return pending;
      const lookup = lookUp(tenant, query, referrer).finally(() => inFlight.delete(key));
      inFlight.set(key, lookup);
      return lookup;
    },
  };
}
