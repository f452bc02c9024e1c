/**
 * The throughput bench's load, in a process of its own (`node --import tsx bench/load-generator.ts
 * '<json>'`): on the servers' event loop, the load generator's work (signing every request,
 * keeping the histogram) would be charged to the server measured. Prints one JSON line.
 *
 * Two loads, each of signed web messages with unique ids over a fixed set of conversations:
 * - `saturate`: autocannon keeps `connections` requests in flight: the most the server takes.
 * - `paced`: an open loop at a fixed rate, each request sent at its planned time whatever the
 *   answers before it, and its latency counted from that planned time. A server that stalls is
 *   charged the whole wait its users would see (no coordinated omission). autocannon's own
 *   correction is not used: it assumes an interval of `ceil(1 / rate)` ms, 1 ms at any rate under
 *   1000/s per connection, and fills the histogram with fake samples.
 */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import * as z from 'zod';
import { signatureHeaders } from '../shared/http/signature';

export const loadSchema = z.object({
  url: z.string(),
  path: z.string(),
  secret: z.string(),
  runId: z.string(),
  conversations: z.number().int().positive(),
  seconds: z.number().positive(),
  mode: z.enum(['saturate', 'paced']),
  connections: z.number().int().positive(),
  /** Requests per second offered (paced). */
  rate: z.number().positive().optional(),
});
export type Load = z.infer<typeof loadSchema>;

export const loadResultSchema = z.object({
  ok: z.number(),
  non2xx: z.number(),
  /** Answers other than 2xx, by status. */
  statuses: z.record(z.string(), z.number()),
  /** Requests that got no answer (connection error or timeout). */
  errors: z.number(),
  seconds: z.number(),
  p50: z.number(),
  p99: z.number(),
  mean: z.number(),
  max: z.number(),
});
export type LoadResult = z.infer<typeof loadResultSchema>;

/** A paced request unanswered after this long counts as an error, and its wait as its latency. */
const REQUEST_TIMEOUT_MS = 10_000;

function messages(load: Load): () => { body: string; headers: Record<string, string> } {
  let sequence = 0;
  return () => {
    sequence += 1;
    const body = JSON.stringify({
      conversationId: `bench-${sequence % load.conversations}`,
      messageId: `${load.runId}-${sequence}`,
      text: 'hello, where is my order?',
    });
    return { body, headers: signatureHeaders(load.secret, body) };
  };
}

async function saturate(load: Load): Promise<LoadResult> {
  const next = messages(load);
  const result = await autocannon({
    url: load.url,
    duration: load.seconds,
    connections: load.connections,
    requests: [
      {
        method: 'POST',
        path: load.path,
        setupRequest(req) {
          const { body, headers } = next();
          req.body = body;
          req.headers = { ...req.headers, 'content-type': 'application/json', ...headers };
          return req;
        },
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {}))
    if (!code.startsWith('2')) statuses[code] = stats.count ?? 0;
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    statuses,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.mean,
    max: result.latency.max,
  };
}

async function paced(load: Load): Promise<LoadResult> {
  const rate = load.rate ?? 1;
  const next = messages(load);
  const agent = new Agent({ keepAlive: true, maxSockets: load.connections });
  const url = new URL(load.path, load.url);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let errors = 0;
  const send = (planned: number): Promise<void> =>
    new Promise((resolve) => {
      const { body, headers } = next();
      const done = (status: number | undefined) => {
        latencies.push(performance.now() - planned);
        if (status === undefined) errors += 1;
        else if (status >= 200 && status < 300) ok += 1;
        else statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
        resolve();
      };
      const req = request(url, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', ...headers },
        timeout: REQUEST_TIMEOUT_MS,
      });
      req.on('response', (response) => {
        response.resume();
        response.on('end', () => done(response.statusCode));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => done(undefined));
      req.end(body);
    });

  const total = Math.round(rate * load.seconds);
  const start = performance.now();
  const sent: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const planned = start + (i * 1000) / rate;
    const wait = planned - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    sent.push(send(planned));
  }
  await Promise.all(sent);
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? 0;
  return {
    ok,
    non2xx: Object.values(statuses).reduce((sum, count) => sum + count, 0),
    statuses,
    errors,
    seconds,
    p50: at(0.5),
    p99: at(0.99),
    mean: sorted.reduce((sum, value) => sum + value, 0) / Math.max(sorted.length, 1),
    max: sorted.at(-1) ?? 0,
  };
}

// Run as a script, not when imported for its schemas.
if (process.argv[1]?.endsWith('load-generator.ts')) {
  const load = loadSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  const result = load.mode === 'paced' ? await paced(load) : await saturate(load);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
