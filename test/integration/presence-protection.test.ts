/**
 * Presence protection: a burst of 100 handover requests per second, spread over 10 Lambda
 * containers (10 clients sharing only the table), asks the presence API at most 3 times a second.
 */
import { createServer, type Server } from 'node:http';
import { cachedPresence } from '../../shared/clients/cached-presence';
import { fetchHttp } from '../../shared/clients/http';
import { createPresenceClient, type PresenceClient } from '../../shared/clients/presence-client';
import { literalSecrets } from '../../shared/config/secrets';
import { parseTenants, type TenantConfig } from '../../shared/config/tenants';
import { systemClock } from '../../shared/domain/clock';
import type { Dynamo } from '../../shared/store/client';
import {
  DynamoPresenceCacheStore,
  type PresenceCacheStore,
} from '../../shared/store/presence-cache-repository';
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
      desk: { type: 'webhook', url: 'http://127.0.0.1:1/desk' },
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

function maxCallsInOneSecond(): number {
  const perSecond = new Map<number, number>();
  for (const at of calls)
    perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  return Math.max(0, ...perSecond.values());
}

test('100 requests a second for 3 s over 10 containers: at most 3 presence calls a second, every answer online', async () => {
  const results = await burst(containers(10), tenant('burst', 1), 100, 3, 1);
  expect(results).toHaveLength(300);
  expect(results.every((status) => status === 'online')).toBe(true);
  expect(maxCallsInOneSecond()).toBeLessThanOrEqual(3);
  // The cache (1 s here) expires twice during the burst, so the API is asked again, a few times.
  expect(calls.length).toBeGreaterThanOrEqual(2);
  expect(calls.length).toBeLessThanOrEqual(12);
}, 20_000);

test('with 5 referrers in the burst the budget still holds; answers wait for it rather than exceed it', async () => {
  const results = await burst(containers(10), tenant('referrers', 10), 100, 1, 5);
  expect(maxCallsInOneSecond()).toBeLessThanOrEqual(3);
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

test('a lone check late in a second spends one call of the budget, not the windows already past; past 750 ms it waits for the next second', async () => {
  const second = Date.UTC(2026, 10, 22, 12, 0, 0);
  let now = second + 600;
  const taken: Array<{ at: number; slot: number | undefined }> = [];
  const counting: PresenceCacheStore = {
    read: (tenantId, channel, referrer, at) => store.read(tenantId, channel, referrer, at),
    write: (tenantId, channel, referrer, status, until) =>
      store.write(tenantId, channel, referrer, status, until),
    takeCallSlot: async (tenantId, at, max) => {
      const slot = await store.takeCallSlot(tenantId, at, max);
      taken.push({ at: at - second, slot });
      return slot;
    },
  };
  const client = cachedPresence(createPresenceClient(fetchHttp, literalSecrets), {
    store: counting,
    clock: { now: () => now },
    sleep: async (ms) => {
      now += ms;
    },
  });
  const config = tenant('late-in-second', 10);

  await expect(
    client.check(config, { conversationId: 'c-1', channel: 'WhatsApp', referrer: 'a' }),
  ).resolves.toEqual({
    status: 'online',
  });
  // The first slot, used at once in the window of now (the third): the first version took three.
  expect(taken).toEqual([{ at: 600, slot: 0 }]);

  now = second + 800;
  await client.check(config, { conversationId: 'c-2', channel: 'WhatsApp', referrer: 'b' });
  expect(taken).toEqual([
    { at: 600, slot: 0 },
    { at: 1_000, slot: 0 },
  ]);
  expect(calls).toHaveLength(2);
});
