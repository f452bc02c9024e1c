/**
 * What a burst of handover requests costs the tenant's presence API. MSC allows 3 calls a second;
 * a busy tenant's handovers land on many Lambda containers at once, which share nothing but the
 * table. This reproduces test/integration/presence-protection.test.ts outside jest: several
 * `cachedPresence` instances ("containers") on one DynamoDB table, a presence API on 127.0.0.1
 * that counts its calls, and checks offered at a steady rate for a few seconds. The figure is the
 * most calls the presence API saw in any 1000 ms, wherever the window starts: a rate limit may count
 * a sliding window, not calendar seconds.
 *
 * The checks are scheduled against absolute times rather than chained sleeps, so a loaded machine
 * delays them without silently lowering the rate; the rate actually offered is what is reported.
 */
import { createServer, type Server } from 'node:http';
import { startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { cachedPresence } from '../shared/clients/cached-presence';
import { fetchHttp } from '../shared/clients/http';
import { createPresenceClient, type PresenceClient } from '../shared/clients/presence-client';
import { literalSecrets } from '../shared/config/secrets';
import { parseTenants, type TenantConfig } from '../shared/config/tenants';
import { systemClock } from '../shared/domain/clock';
import { createDynamo } from '../shared/store/client';
import { DynamoPresenceCacheStore } from '../shared/store/presence-cache-repository';
import { createTable } from '../shared/store/table';
import { busiestSecond, busiestWindow } from '../test/support/busiest-window';
import { listenLocal } from './local-server';
import type { BenchRow } from './report';

const CONTAINERS = 10;
const PER_SECOND = 100;
const SECONDS = 3;
const MAX_CALLS_PER_SECOND = 3;
/** Short on purpose: it expires during the burst, so the budget, not only the cache, is exercised. */
const CACHE_SECONDS = 1;
/** A presence API takes a little while, as a real one does. */
const PRESENCE_LATENCY_MS = 30;

interface PresenceApi {
  url: string;
  /** When each call arrived (epoch ms). */
  calls: number[];
  stop(): Promise<void>;
}

async function startPresenceApi(): Promise<PresenceApi> {
  const calls: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    calls.push(Date.now());
    request.resume();
    const timer = setTimeout(() => {
      timers.delete(timer);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('Online');
    }, PRESENCE_LATENCY_MS);
    timers.add(timer);
  });
  const local = await listenLocal(server);
  return {
    url: local.url,
    calls,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      await local.stop();
    },
  };
}

function tenant(presenceUrl: string): TenantConfig {
  const [config] = parseTenants([
    {
      id: 'bench-presence',
      bot: { url: 'http://127.0.0.1:1/bot', signingSecret: { value: 's' } },
      agentApiToken: { value: 't' },
      desk: { type: 'webhook', url: 'http://127.0.0.1:1/desk', signingSecret: { value: 'd' } },
      presence: {
        type: 'msc',
        url: presenceUrl,
        apiKey: { value: 'k' },
        cacheSeconds: CACHE_SECONDS,
        maxCallsPerSecond: MAX_CALLS_PER_SECOND,
      },
    },
  ]);
  if (!config) throw new Error('the bench tenant did not parse');
  return config;
}

const sleepUntil = (at: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

interface Burst {
  offered: number;
  offeredSeconds: number;
  answeredMs: number;
  online: number;
  total: number;
  calls: number[];
}

/** `PER_SECOND` checks a second for `SECONDS`, spread over the containers and `referrers` referrers. */
async function burst(
  containers: readonly PresenceClient[],
  config: TenantConfig,
  api: PresenceApi,
  referrers: readonly string[],
): Promise<Burst> {
  api.calls.length = 0;
  const total = PER_SECOND * SECONDS;
  const checks: Array<Promise<string>> = [];
  const started = Date.now();
  for (let i = 0; i < total; i += 1) {
    await sleepUntil(started + (i * 1000) / PER_SECOND);
    const client = containers[i % containers.length];
    if (!client) throw new Error('no container');
    checks.push(
      client
        .check(config, {
          conversationId: `c-${i}`,
          channel: 'WhatsApp',
          referrer: referrers[i % referrers.length],
        })
        .then((result) => result.status),
    );
  }
  // The last check is offered one interval after the last scheduled time.
  const offeredSeconds = (Date.now() - started) / 1000 + 1 / PER_SECOND;
  const results = await Promise.all(checks);
  return {
    offered: total / offeredSeconds,
    offeredSeconds,
    answeredMs: Date.now() - started,
    online: results.filter((status) => status === 'online').length,
    total,
    calls: [...api.calls],
  };
}

/** Each referrer's answer is cached apart, so many referrers share the one call budget between them. */
const MANY_REFERRERS = Array.from({ length: 10 }, (_, i) => `many-${i}`);

export async function measurePresence(): Promise<BenchRow[]> {
  const dynamoLocal = await startDynamoDbLocal();
  const dynamo = createDynamo({ endpoint: dynamoLocal.endpoint });
  let api: PresenceApi | undefined;
  try {
    const tableName = 'bench-presence';
    await createTable(dynamo.raw, tableName);
    api = await startPresenceApi();
    const config = tenant(api.url);
    const store = new DynamoPresenceCacheStore(dynamo.doc, tableName);
    const containers: PresenceClient[] = Array.from({ length: CONTAINERS }, () =>
      cachedPresence(createPresenceClient(fetchHttp, literalSecrets), { store, clock: systemClock }),
    );

    const one = await burst(containers, config, api, ['shop-1']);
    const many = await burst(containers, config, api, MANY_REFERRERS);
    const setup = (referrers: string) =>
      `${CONTAINERS} cachedPresence instances sharing one DynamoDB Local table, ${one.total} checks ` +
      `scheduled at ${PER_SECOND}/s for ${SECONDS} s (${referrers}), cache ${CACHE_SECONDS} s, ` +
      `budget ${MAX_CALLS_PER_SECOND} calls/s, presence API answering in ${PRESENCE_LATENCY_MS} ms`;
    const calls = (run: Burst) =>
      `any 1000 ms window, wherever it starts (busiest calendar second: ${busiestSecond(run.calls)}); ` +
      `${run.calls.length} presence API calls in all for ${run.total} checks; ` +
      `${run.online} of ${run.total} answers online` +
      (run.online < run.total ? ' (the rest offline: waited past the budget, or the call failed)' : '');
    const oneBusiest = busiestWindow(one.calls);
    const manyBusiest = busiestWindow(many.calls);
    return [
      {
        figure: 'presence: requests offered',
        unit: 'calls/s',
        baton: one.offered,
        target: 'report',
        met: true,
        note: `${setup('one referrer')}; offered over ${one.offeredSeconds.toFixed(2)} s, all answered after ${one.answeredMs} ms`,
      },
      {
        figure: 'presence: calls made, busiest 1000 ms',
        unit: 'calls/s',
        baton: oneBusiest,
        target: `≤ ${MAX_CALLS_PER_SECOND}, every answer online`,
        // A limiter that refused every check would make no calls: the answers have to be right too.
        met: oneBusiest <= MAX_CALLS_PER_SECOND && one.online === one.total,
        note: calls(one),
      },
      {
        figure: `presence, ${MANY_REFERRERS.length} referrers: calls made, busiest 1000 ms`,
        unit: 'calls/s',
        baton: manyBusiest,
        target: `≤ ${MAX_CALLS_PER_SECOND}`,
        // Each referrer needs its own answer, and the budget cannot give every one a call each
        // second: the budget has to hold, and the note says how many answers it cost.
        met: manyBusiest <= MAX_CALLS_PER_SECOND,
        note: `${setup(`${MANY_REFERRERS.length} referrers in turn`)}; ${calls(many)}; all answered after ${many.answeredMs} ms`,
      },
    ];
  } finally {
    await api?.stop();
    dynamo.raw.destroy();
    await dynamoLocal.stop();
  }
}
