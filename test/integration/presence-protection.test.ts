/**
 * Presence protection: a burst of 100 handover requests per second, spread over 10 Lambda
 * containers (10 clients sharing only the table), asks the presence API at most 3 times in any
 * 1000 ms: calendar seconds or a sliding window, whichever the API's limit counts.
 */
import { createServer, type Server } from 'node:http';
import { cachedPresence } from '../../shared/clients/cached-presence';
import { fetchHttp } from '../../shared/clients/http';
import { createPresenceClient, type PresenceClient } from '../../shared/clients/presence-client';
import { literalSecrets } from '../../shared/config/secrets';
import { parseTenants, type TenantConfig } from '../../shared/config/tenants';
import { systemClock } from '../../shared/domain/clock';
import type { PresenceCacheStore } from '../../shared/ports/presence-cache-store';
import type { Dynamo } from '../../shared/store/client';
import { DynamoPresenceCacheStore } from '../../shared/store/presence-cache-repository';
import { busiestWindow } from '../support/busiest-window';
import { freshTable } from '../support/dynamo';

let dynamo: Dynamo;
let store: DynamoPresenceCacheStore;
let server: Server;
let presenceUrl = '';
const calls: number[] = [];

beforeAll(async () => {
  const table = await freshTable('presence');
  dynamo = table.dynamo;
  store = new DynamoPresenceCacheStore(dynamo.doc, table.tableName);
  server = createServer((request, response) => {
    calls.push(Date.now());
    // A presence API that takes a little while, as a real one does.
    setTimeout(() => response.writeHead(200, { 'content-type': 'text/plain' }).end('Online'), 30);
    request.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  presenceUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  dynamo.raw.destroy();
});
beforeEach(() => {
  calls.length = 0;
});

function tenant(id: string, cacheSeconds: number): TenantConfig {
  const [config] = parseTenants([
    {
      id,
      bot: { url: 'http://127.0.0.1:1/bot', signingSecret: { value: 's' } },
      agentApiToken: { value: 't' },
      desk: { type: 'webhook', url: 'http://127.0.0.1:1/desk', signingSecret: { value: 'd' } },
      presence: { type: 'msc', url: presenceUrl, apiKey: { value: 'k' }, cacheSeconds, maxCallsPerSecond: 3 },
    },
  ]);
  if (!config) throw new Error('no tenant');
  return config;
}

const containers = (count: number): PresenceClient[] =>
  Array.from({ length: count }, () =>
    cachedPresence(createPresenceClient(fetchHttp, literalSecrets), { store, clock: systemClock }),
  );

/** Fires `perSecond` checks a second for `seconds`, round-robin over the containers. */
async function burst(
  clients: PresenceClient[],
  config: TenantConfig,
  perSecond: number,
  seconds: number,
  referrers: number,
) {
  const checks: Array<Promise<string>> = [];
  for (let i = 0; i < perSecond * seconds; i += 1) {
    const client = clients[i % clients.length];
    if (!client) throw new Error('no client');
    checks.push(
      client
        .check(config, { conversationId: `c-${i}`, channel: 'WhatsApp', referrer: `shop-${i % referrers}` })
        .then((result) => result.status),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
  }
  return Promise.all(checks);
}

/** The most calls in any 1000 ms, wherever it starts; the calls' times are logged if above 3. */
function maxCallsInAnySecond(): number {
  const most = busiestWindow(calls);
  if (most > 3)
    console.error(
      'presence calls, ms after the first:',
      calls.map((at) => at - (calls[0] ?? 0)),
    );
  return most;
}

test('100 requests a second for 3 s over 10 containers: at most 3 presence calls in any 1000 ms, every answer online', async () => {
  const results = await burst(containers(10), tenant('burst', 1), 100, 3, 1);
  expect(results).toHaveLength(300);
  expect(results.every((status) => status === 'online')).toBe(true);
  expect(maxCallsInAnySecond()).toBeLessThanOrEqual(3);
  // The cache (1 s here) expires twice during the burst, so the API is asked again, a few times.
  expect(calls.length).toBeGreaterThanOrEqual(2);
  expect(calls.length).toBeLessThanOrEqual(12);
}, 20_000);

test('with 5 referrers in the burst the budget still holds in any 1000 ms; answers wait for it rather than exceed it', async () => {
  const results = await burst(containers(10), tenant('referrers', 10), 100, 1, 5);
  expect(maxCallsInAnySecond()).toBeLessThanOrEqual(3);
  // Each referrer is asked at least once; two containers may both ask for one (no cross-container lease).
  expect(calls.length).toBeGreaterThanOrEqual(5);
  expect(results.every((status) => status === 'online')).toBe(true);
}, 20_000);

test('a cache of 0 s turns the protection off: every check calls', async () => {
  const [client] = containers(1);
  if (!client) throw new Error('no client');
  const config = tenant('nocache', 0);
  for (let i = 0; i < 5; i += 1)
    await client.check(config, { conversationId: 'c', channel: 'WhatsApp', referrer: undefined });
  expect(calls).toHaveLength(5);
});

test("a named desk's answers are its own: the tenant's shared answer is not taken for it, nor its for the tenant", async () => {
  const [client] = containers(1);
  if (!client) throw new Error('no client');
  const config = tenant('desks', 60);
  const query = { conversationId: 'c', channel: 'WhatsApp', referrer: 'shop' };
  const sales = { ...config, deskName: 'sales' };
  await client.check(config, query);
  await client.check(sales, query);
  expect(calls).toHaveLength(2);
  await client.check(config, query);
  await client.check(sales, query);
  expect(calls).toHaveLength(2);
});

test('calls queue a fixed spacing apart across containers; one that would start more than a second ahead is refused', async () => {
  const now = Date.UTC(2026, 10, 22, 12, 0, 0) + 600;
  const spacing = 400;
  const reserved = [];
  for (let i = 0; i < 4; i += 1) reserved.push(await store.reserveCall('queue', now, spacing, now + 1_000));
  expect(reserved).toEqual([now, now + 400, now + 800, undefined]);
  // Once the queue has moved on, the next call starts at once.
  await expect(store.reserveCall('queue', now + 1_300, spacing, now + 2_300)).resolves.toBe(now + 1_300);
});

/** A client on a clock that moves only when it sleeps; `overshoot` makes its next sleep run late. */
function clientOnFakeClock(start: number, reservations: Array<{ at: number; start: number | undefined }>) {
  const clock = { now: start, reads: 0, overshoot: 0 };
  const counting: PresenceCacheStore = {
    read: (tenantId, channel, referrer) => {
      clock.reads += 1;
      return store.read(tenantId, channel, referrer);
    },
    write: (tenantId, channel, referrer, status, until) =>
      store.write(tenantId, channel, referrer, status, until),
    reserveCall: async (tenantId, at, spacing, latest) => {
      const reserved = await store.reserveCall(tenantId, at, spacing, latest);
      reservations.push({ at: at - start, start: reserved === undefined ? undefined : reserved - start });
      return reserved;
    },
  };
  const client = cachedPresence(createPresenceClient(fetchHttp, literalSecrets), {
    store: counting,
    clock: { now: () => clock.now },
    sleep: async (ms) => {
      clock.now += ms + clock.overshoot;
      clock.overshoot = 0;
    },
  });
  return { client, clock };
}

// 3 calls a second are spaced (1000 + 300 margin) / 3 ms apart, rounded up.
const SPACING = 434;

test('a lone check calls at once wherever it falls in a second; the next waits its turn, and reads the answer again before calling', async () => {
  const reservations: Array<{ at: number; start: number | undefined }> = [];
  const { client, clock } = clientOnFakeClock(Date.UTC(2026, 10, 22, 13, 0, 0) + 600, reservations);
  const config = tenant('lone-check', 10);

  await expect(
    client.check(config, { conversationId: 'c-1', channel: 'WhatsApp', referrer: 'a' }),
  ).resolves.toEqual({ status: 'online' });
  expect(reservations).toEqual([{ at: 0, start: 0 }]);
  expect(clock.reads).toBe(1);

  clock.now += 200;
  await client.check(config, { conversationId: 'c-2', channel: 'WhatsApp', referrer: 'b' });
  expect(reservations).toEqual([
    { at: 0, start: 0 },
    { at: 200, start: SPACING },
  ]);
  // Read, wait for its turn, read again (nobody else had asked for b), call.
  expect(clock.reads).toBe(3);
  expect(calls).toHaveLength(2);
});

test('a call that wakes more than 150 ms after its turn gives the turn up and queues again, rather than bunch with the calls after it', async () => {
  const reservations: Array<{ at: number; start: number | undefined }> = [];
  const { client, clock } = clientOnFakeClock(Date.UTC(2026, 10, 22, 14, 0, 0), reservations);
  const config = tenant('late-start', 10);
  await client.check(config, { conversationId: 'c-1', channel: 'WhatsApp', referrer: 'a' });

  clock.now += 200;
  clock.overshoot = 151;
  await expect(
    client.check(config, { conversationId: 'c-2', channel: 'WhatsApp', referrer: 'b' }),
  ).resolves.toEqual({ status: 'online' });
  expect(reservations).toEqual([
    { at: 0, start: 0 },
    { at: 200, start: SPACING },
    // Woken at SPACING + 151, it queues behind the turn it gave up.
    { at: SPACING + 151, start: 2 * SPACING },
  ]);
  expect(calls).toHaveLength(2);

  // 150 ms late is still on time.
  clock.now += 100;
  clock.overshoot = 150;
  await client.check(config, { conversationId: 'c-3', channel: 'WhatsApp', referrer: 'c' });
  expect(reservations.slice(3)).toEqual([{ at: 2 * SPACING + 100, start: 3 * SPACING }]);
  expect(calls).toHaveLength(3);
});

describe('a caller the budget gives no turn within 4 s', () => {
  async function waitInVain(tenantId: string, answerExpiredAgoMs: number) {
    const start = Date.UTC(2026, 10, 22, 15, 0, 0);
    const { client, clock } = clientOnFakeClock(start, []);
    await store.write(tenantId, 'WhatsApp', 'a', 'online', start - answerExpiredAgoMs);
    // Another container's call is queued 10 s ahead: the queue stays full for the whole wait.
    await store.reserveCall(tenantId, start, 10_000, start + 1_000);
    const result = await client.check(tenant(tenantId, 10), {
      conversationId: 'c-1',
      channel: 'WhatsApp',
      referrer: 'a',
    });
    return { result, waitedMs: clock.now - start };
  }

  test('takes the last answer shared when it is at most a minute past its time, and says how far', async () => {
    const { result, waitedMs } = await waitInVain('expired-recently', 5_000);
    expect(waitedMs).toBeGreaterThan(4_000);
    expect(result).toEqual({ status: 'online', expiredMs: waitedMs + 5_000 });
    expect(calls).toHaveLength(0);
  });

  test('answers offline, rate-limited, when the last answer is older than that', async () => {
    const { result } = await waitInVain('expired-long-ago', 57_000);
    expect(result).toEqual({ status: 'offline', failure: 'rate-limited' });
    expect(calls).toHaveLength(0);
  });
});
