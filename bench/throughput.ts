/**
 * How many signed web chat messages the local stack takes per second, and how fast it answers them,
 * next to the floor of the same work: a bare Node server that only verifies the HMAC and makes the
 * one DynamoDB transaction an accepted message needs, on the same DynamoDB Local.
 *
 * The ratio is what matters, not the absolute figure: autocannon, the stack (and its drains, bot
 * calls and deliveries, which every accepted message sets off) and DynamoDB Local share this
 * machine's cores, so both runs pay the same tax. The floor runs first, on a DynamoDB Local that
 * is then warm for the stack; each run is warmed up before it is measured, and the stack's drains
 * are settled before its measured run starts and again before it stops, so nothing of one run
 * spills into the next and nothing is still running when the module returns.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  type DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import autocannon from 'autocannon';
import * as z from 'zod';
import { type LocalStack, startLocalStack } from '../infra/local/stack';
import { hasValidSignature, sign } from '../shared/http/signature';
import { createTable } from '../shared/store/table';
import { listenLocal } from './local-server';
import type { BenchRow } from './report';

const TENANT = 'demo';
const SECRET = `${TENANT}-web-secret`;
const CONNECTIONS = 30;
/**
 * Latency is also measured at a fixed offered rate, below what either server can take: at
 * saturation every request waits behind the others in flight (30 connections at 150/s is 200 ms by
 * Little's law), which says how full the queue is, not how long a request takes.
 */
const PACED_RATE = 60;
const PACED_CONNECTIONS = 10;
const WARMUP_SECONDS = 2;
const MEASURE_SECONDS = 10;
const CONVERSATIONS = 500;
const FLOOR_TABLE = 'bench-floor';

/** Every request a new message id (the ingest dedupes on it), over a fixed set of conversations. */
function signedMessages(runId: string): autocannon.Request {
  let sequence = 0;
  return {
    method: 'POST',
    path: `/v1/${TENANT}/web`,
    setupRequest(request) {
      sequence += 1;
      const body = JSON.stringify({
        conversationId: `bench-${sequence % CONVERSATIONS}`,
        messageId: `${runId}-${sequence}`,
        text: 'hello, where is my order?',
      });
      request.body = body;
      request.headers = {
        ...request.headers,
        'content-type': 'application/json',
        'x-baton-signature': sign(SECRET, body),
      };
      return request;
    },
  };
}

/** As many requests as `CONNECTIONS` keep going, or with `paced`, `PACED_RATE` per second. */
async function load(url: string, runId: string, seconds: number, paced = false): Promise<autocannon.Result> {
  return autocannon({
    url,
    duration: seconds,
    requests: [signedMessages(runId)],
    // With a rate, autocannon corrects the latencies for coordinated omission.
    ...(paced ? { connections: PACED_CONNECTIONS, overallRate: PACED_RATE } : { connections: CONNECTIONS }),
  });
}

/** A 2xx rate over the whole run: answers that were errors do not count as throughput. */
const okPerSecond = (result: autocannon.Result): number => result['2xx'] / Math.max(result.duration, 0.001);

function describe(result: autocannon.Result): string {
  const refused = Object.entries(result.statusCodeStats ?? {})
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, stats]) => `${code}×${stats.count ?? 0}`)
    .join(', ');
  return (
    `${result['2xx']} ok in ${result.duration.toFixed(1)} s over ${result.connections} connections; ` +
    `non-2xx: ${result.non2xx}${refused ? ` (${refused})` : ''}; ` +
    `connection errors: ${result.errors}, timeouts: ${result.timeouts}`
  );
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

const floorMessageSchema = z.object({ conversationId: z.string().min(1), messageId: z.string().min(1) });

function idsOf(body: string): z.infer<typeof floorMessageSchema> | undefined {
  try {
    const parsed = floorMessageSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The floor: the signature check and the two-item transaction (remember the message id, touch the
 * conversation) any accepting webhook must make, and nothing else: no framework, no parsing with
 * schemas, no events, no drain behind it.
 */
async function startFloor(dynamo: DynamoDBClient): Promise<{ url: string; stop(): Promise<void> }> {
  // Baton's own table: the floor writes the same kind of items into the same shape.
  await createTable(dynamo, FLOOR_TABLE);
  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const signature = request.headers['x-baton-signature'];
      if (!hasValidSignature(SECRET, body, typeof signature === 'string' ? signature : undefined)) {
        response.writeHead(401).end();
        return;
      }
      const ids = idsOf(body);
      if (!ids) {
        response.writeHead(400).end();
        return;
      }
      const now = Date.now();
      try {
        await dynamo.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: FLOOR_TABLE,
                  Item: {
                    pk: { S: `I#${ids.conversationId}#${ids.messageId}` },
                    sk: { S: 'IDEM' },
                    expiresAt: { N: String(Math.floor(now / 1000) + 3600) },
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Update: {
                  TableName: FLOOR_TABLE,
                  Key: { pk: { S: `C#${ids.conversationId}` }, sk: { S: 'STATE' } },
                  UpdateExpression: 'SET updatedAt = :now, lastMessageId = :id ADD #version :one',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: {
                    ':now': { N: String(now) },
                    ':id': { S: ids.messageId },
                    ':one': { N: '1' },
                  },
                },
              },
            ],
          }),
        );
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch (error) {
        // Two messages of one conversation at once conflict; the real ingest retries, the floor reports.
        response.writeHead(error instanceof TransactionCanceledException ? 409 : 500).end();
      }
    })();
  });
  return listenLocal(server);
}

export async function measureThroughput(): Promise<BenchRow[]> {
  const problems = new Map<string, number>();
  const stack: LocalStack = await startLocalStack({
    port: 0,
    // Thousands of messages log tens of thousands of lines; only what went wrong is kept, counted.
    logSink: (level, message) => {
      if (level !== 'warn' && level !== 'error') return;
      const key = `${level}: ${message}`;
      problems.set(key, (problems.get(key) ?? 0) + 1);
    },
  });
  try {
    const runId = `b${Date.now().toString(36)}`;
    let floor: autocannon.Result | undefined;
    let floorPaced: autocannon.Result | undefined;
    let floorNote = '';
    try {
      const server = await startFloor(stack.dynamo.raw);
      try {
        await load(server.url, `${runId}-floor-warm`, WARMUP_SECONDS);
        floor = await load(server.url, `${runId}-floor`, MEASURE_SECONDS);
        floorPaced = await load(server.url, `${runId}-floor-paced`, MEASURE_SECONDS, true);
        floorNote = `baseline (bare http server: HMAC check + one TransactWriteItems of 2 items): ${describe(floor)}`;
      } finally {
        await server.stop();
      }
    } catch (error) {
      floorNote = `baseline not measured: ${error instanceof Error ? error.message : String(error)}`;
    }

    await load(stack.url, `${runId}-warm`, WARMUP_SECONDS);
    await stack.settle();
    problems.clear();
    const started = Date.now();
    const result = await load(stack.url, runId, MEASURE_SECONDS);
    const answered = Date.now();
    // Every accepted message set off a drain, a bot call and a delivery; they finish before stopping.
    await stack.settle();
    const drainedAfterMs = Date.now() - answered;
    const throughput = okPerSecond(result);
    const deadLetters = stack.bus.deadLetters.length;
    const stackNote =
      `autocannon, ${CONNECTIONS} connections, ${MEASURE_SECONDS} s after a ${WARMUP_SECONDS} s warm-up, ` +
      `POST /v1/${TENANT}/web signed per request, unique message ids over ${CONVERSATIONS} conversations, ` +
      'the drains, bot calls and deliveries each message sets off running in the same Node process; ' +
      `${describe(result)}; drains settled ${drainedAfterMs} ms after the last answer ` +
      `(run ${answered - started} ms); dead letters: ${deadLetters}; warnings and errors logged: ` +
      (problems.size ? [...problems].map(([line, count]) => `${count}× ${line}`).join('; ') : 'none');
    // Measured after the saturated run's figures above are taken.
    const paced = await load(stack.url, `${runId}-paced`, MEASURE_SECONDS, true);
    await stack.settle();
    const pacedNote = (result: autocannon.Result | undefined) =>
      result
        ? `${describe(result)}; p50 ${result.latency.p50} ms, max ${result.latency.max} ms`
        : 'not measured';

    return [
      {
        figure: 'local stack throughput (signed webhooks)',
        unit: 'req/s',
        baton: throughput,
        baseline: floor ? okPerSecond(floor) : undefined,
        target: '≥ 500',
        met: throughput >= 500 && result.non2xx === 0,
        baselineMet: floor ? okPerSecond(floor) >= 500 : undefined,
        note: floorNote ? `${stackNote}. ${floorNote}` : stackNote,
      },
      {
        figure: 'local stack latency p50, saturated',
        unit: 'ms',
        baton: result.latency.p50,
        baseline: floor?.latency.p50,
        target: 'report',
        met: true,
        note: `autocannon latency histogram of the run above (mean ${result.latency.mean.toFixed(1)} ms); baseline: the floor's run`,
      },
      {
        figure: 'local stack latency p99, saturated',
        unit: 'ms',
        baton: result.latency.p99,
        baseline: floor?.latency.p99,
        target: '≤ 50',
        met: result.latency.p99 <= 50,
        baselineMet: floor ? floor.latency.p99 <= 50 : undefined,
        note: `autocannon latency histogram of the run above (max ${result.latency.max} ms); ${CONNECTIONS} requests always in flight, so this is mostly queueing`,
      },
      {
        figure: `local stack latency p99 at ${PACED_RATE} req/s offered`,
        unit: 'ms',
        baton: paced.latency.p99,
        baseline: floorPaced?.latency.p99,
        target: '≤ 50',
        met: paced.latency.p99 <= 50 && paced.non2xx === 0,
        baselineMet: floorPaced ? floorPaced.latency.p99 <= 50 : undefined,
        note:
          `autocannon, ${PACED_RATE} req/s over ${PACED_CONNECTIONS} connections for ${MEASURE_SECONDS} s, ` +
          `latencies corrected for coordinated omission, right after the saturated run (drains settled): ` +
          `Baton ${pacedNote(paced)}; baseline (the floor, same rate) ${pacedNote(floorPaced)}`,
      },
    ];
  } finally {
    await stack.stop();
  }
}
