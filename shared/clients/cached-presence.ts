/**
 * PresenceClient with protection for the presence API (MSC allows 3 calls per second): answers are
 * shared in the table per tenant, channel and referrer for a short while (every container sees the
 * same answer), concurrent lookups in one container share one call, and the calls of all containers
 * queue in the table, each starting a fixed spacing after the one before, so that any 1000 ms, not
 * only each calendar second, holds at most the tenant's budget. A call that cannot start on its
 * turn (a busy event loop, a slow table) gives the turn up and queues again. Who finds the queue
 * full waits for the answer another caller is fetching; who waits in vain takes the last answer
 * shared, if it is at most a minute past its time, before answering offline.
 */
import type { DeskView } from '../config/desk-routing';
import type { TenantConfig } from '../config/tenants';
import type { Clock } from '../domain/clock';
import type { PresenceCacheStore, SharedPresence } from '../ports/presence-cache-store';
import type { PresenceClient, PresenceQuery, PresenceResult } from './presence-client';

/** A failed check is reused only this long, so a recovering desk is seen soon. */
const FAILURE_CACHE_MS = 1_000;
/**
 * How late after its turn a call may still start. A late call moves closer to the calls queued
 * after it; later than this, it gives its turn up rather than bunch with them.
 */
const MAX_LATE_MS = 150;
/**
 * Calls are spaced (1000 + this) / budget ms apart, rounded up. Of the margin, MAX_LATE_MS is for a
 * call starting late and the rest for the request's way to the API, whose limit counts arrivals.
 */
const SPACING_MARGIN_MS = MAX_LATE_MS + 150;
/** How far ahead a call may be queued; further than that, the caller waits for another's answer. */
const MAX_QUEUE_MS = 1_000;
/** How long a caller waits in all for an answer before it takes an expired one, or answers offline. */
const MAX_WAIT_MS = 4_000;
/**
 * How far past its time a shared answer is still taken when no call could be made: whether agents
 * were there a minute ago is a better guess than "no agents", which ends the user's handover.
 */
const MAX_EXPIRED_MS = 60_000;

export interface CachedPresenceOptions {
  store: PresenceCacheStore;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
}

/** Whose answers and budget: the tenant's, or a named desk's (`#` cannot be in a tenant id). */
const presenceScope = (desk: DeskView): string =>
  desk.deskName === undefined ? desk.id : `${desk.id}#D#${desk.deskName}`;

export function cachedPresence(inner: PresenceClient, options: CachedPresenceOptions): PresenceClient {
  const { store, clock } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const inFlight = new Map<string, Promise<PresenceResult>>();

  const lookUp = async (
    tenant: TenantConfig,
    query: PresenceQuery,
    scope: string,
    referrer: string,
  ): Promise<PresenceResult> => {
    const { cacheSeconds, maxCallsPerSecond } = tenant.presence;
    const spacing = Math.ceil((1000 + SPACING_MARGIN_MS) / maxCallsPerSecond);
    const deadline = clock.now() + MAX_WAIT_MS;
    let last: SharedPresence | undefined;
    const lookAgain = async () => {
      last = (await store.read(scope, query.channel, referrer)) ?? last;
      return last && last.until > clock.now() ? { status: last.status } : undefined;
    };
    while (clock.now() <= deadline) {
      const shared = await lookAgain();
      if (shared) return shared;
      const now = clock.now();
      const startAt = await store.reserveCall(scope, now, spacing, now + MAX_QUEUE_MS);
      if (startAt !== undefined) {
        if (startAt > clock.now()) {
          await sleep(startAt - clock.now());
          // Another container may have asked for the same answer while this call waited its turn.
          const meanwhile = await lookAgain();
          if (meanwhile) return meanwhile;
        }
        if (clock.now() - startAt > MAX_LATE_MS) continue;
        const result = await inner.check(tenant, query);
        const until = clock.now() + (result.failure ? FAILURE_CACHE_MS : cacheSeconds * 1000);
        await store.write(scope, query.channel, referrer, result.status, until);
        return result;
      }
      // The queue is full: others are asking; look again once it has moved on.
      await sleep(spacing + Math.floor(Math.random() * 50));
    }
    const expiredMs = last ? clock.now() - last.until : Number.POSITIVE_INFINITY;
    if (last && expiredMs <= MAX_EXPIRED_MS) return { status: last.status, expiredMs };
    return { status: 'offline', failure: 'rate-limited' };
  };

  return {
    async check(tenant, query) {
      if (tenant.presence.cacheSeconds === 0) return inner.check(tenant, query);
      const referrer = query.referrer ?? '';
      const scope = presenceScope(tenant);
      const key = `${scope}\u0000${query.channel}\u0000${referrer}`;
      const pending = inFlight.get(key);
      if (pending) return pending;
      const lookup = lookUp(tenant, query, scope, referrer).finally(() => inFlight.delete(key));
      inFlight.set(key, lookup);
      return lookup;
    },
  };
}
