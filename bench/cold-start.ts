/**
 * Cold start per function: process start → handler loaded → first invocation answered, in fresh
 * Node processes (the median of `runs`), each Baton function and the baseline interleaved so
 * machine noise falls on both. The invocation does real work on DynamoDB Local and the fake
 * EventBridge: ingest a signed web message; every consumer an event about an unknown conversation
 * (one read; the relay's drain one refused conditional update); the sweep its query. The baseline
 * makes the same SDK calls and nothing else.
 */
import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as z from 'zod';
import { FUNCTION_NODE_OPTIONS } from '../infra/aws/bundling';
import { BASELINE, type Bundle } from './bundles';
import type { BenchEnvironment } from './environment';
import { type BenchRow, median } from './report';

const run = promisify(execFile);
const timesSchema = z.object({ booted: z.number(), ready: z.number(), answered: z.number() });

/** The first event each function gets, and which floor the baseline matches it with. */
function firstEvent(name: string, webSecret: string): { event: unknown; floor: string } {
  const detail = (data: Record<string, unknown>) => ({
    metadata: {
      id: randomUUID(),
      version: 1,
      time: new Date().toISOString(),
      tenantId: 'demo',
      correlationId: 'c',
    },
    data: { tenantId: 'demo', conversationId: `cold-${randomUUID()}`, ...data },
  });
  const bus = (detailType: string, data: Record<string, unknown> = {}) => ({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'baton',
    account: '0',
    time: new Date().toISOString(),
    region: 'eu-west-1',
    resources: [],
    detail: detail(data),
  });
  switch (name) {
    case 'ingest': {
      const body = JSON.stringify({
        conversationId: `cold-${randomUUID()}`,
        messageId: randomUUID(),
        text: 'hi',
      });
      const signature = `sha256=${createHmac('sha256', webSecret).update(body).digest('hex')}`;
      return {
        event: httpEvent('POST', '/v1/demo/web', body, { 'x-baton-signature': signature }),
        floor: 'ingest',
      };
    }
    case 'relay':
      // The drain's first request is the take of the inbox head, refused for an empty inbox.
      return { event: bus('MessagesWaiting'), floor: 'take' };
    case 'check-presence':
      return {
        event: bus('HandoverRequested', { handoverId: 'h', additions: { mscChannel: 'Web' } }),
        floor: 'get',
      };
    case 'advance-intake':
      return { event: bus('IntakeStarted', { handoverId: 'h' }), floor: 'get' };
    case 'hand-over':
      return { event: bus('IntakeCompleted', { handoverId: 'h', answers: {} }), floor: 'get' };
    case 'agent-api':
      return {
        event: httpEvent(
          'POST',
          `/v1/demo/agent/conversations/cold-${randomUUID()}/messages`,
          '{"messageId":"m","text":"x"}',
          {
            authorization: 'Bearer demo-agent-token',
          },
        ),
        floor: 'get',
      };
    default:
      return {
        event: { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
        floor: 'sweep',
      };
  }
}

function httpEvent(method: string, rawPath: string, body: string, headers: Record<string, string>) {
  const segments = rawPath.split('/');
  const routeKey = rawPath.includes('/agent/')
    ? `${method} /v1/{tenant}/agent/conversations/{conversationId}/messages`
    : `${method} /v1/{tenant}/web`;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    pathParameters: {
      tenant: segments[2],
      ...(rawPath.includes('/agent/') ? { conversationId: segments[5] } : {}),
    },
    body,
    isBase64Encoded: false,
    requestContext: {
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
    },
  };
}

interface ColdTimes {
  /** Process start → handler module loaded (init). */
  loaded: number;
  /** Process start → first invocation answered: the figure. */
  answered: number;
}

async function coldStart(bundle: Bundle, event: unknown, env: BenchEnvironment): Promise<ColdTimes> {
  const { stdout } = await run(
    process.execPath,
    ['bench/cold-start-child.mjs', bundle.file, JSON.stringify(event)],
    {
      env: {
        ...env.variables,
        PATH: process.env.PATH ?? '',
        LAMBDA_TASK_ROOT: bundle.dir,
        NODE_OPTIONS: FUNCTION_NODE_OPTIONS,
      },
    },
  );
  const times = timesSchema.parse(JSON.parse(stdout));
  return { loaded: times.ready, answered: times.answered };
}

export async function measureColdStarts(
  bundles: readonly Bundle[],
  env: BenchEnvironment,
  webSecret: string,
  runs = 20,
): Promise<BenchRow[]> {
  const baseline = bundles.find((bundle) => bundle.name === BASELINE);
  if (!baseline) throw new Error('no baseline bundle');
  const rows: BenchRow[] = [];
  // The sweep first: later, the conversations the ingest runs leave would give it work the baseline has not.
  const measured = bundles
    .filter((b) => b !== baseline)
    .sort((a, b) => Number(b.name === 'expire-sessions') - Number(a.name === 'expire-sessions'));
  for (const bundle of measured) {
    const baton: ColdTimes[] = [];
    const floor: ColdTimes[] = [];
    for (let i = 0; i < runs; i += 1) {
      const first = firstEvent(bundle.name, webSecret);
      baton.push(await coldStart(bundle, first.event, env));
      floor.push(await coldStart(baseline, { floor: first.floor, id: randomUUID() }, env));
    }
    const batonMs = median(baton.map((times) => times.answered));
    const baselineMs = median(floor.map((times) => times.answered));
    const split = (times: readonly ColdTimes[]) =>
      `${median(times.map((t) => t.loaded)).toFixed(0)} + ${median(times.map((t) => t.answered - t.loaded)).toFixed(0)}`;
    rows.push({
      figure: `cold start: ${bundle.name}`,
      unit: 'ms',
      baton: batonMs,
      baseline: baselineMs,
      target: '≤ 1.2 × baseline',
      met: batonMs <= 1.2 * baselineMs,
      note:
        `median of ${runs} fresh processes each, interleaved; process start to first answer; ` +
        `loaded + first call (medians, ms): Baton ${split(baton)}, baseline ${split(floor)}`,
    });
  }
  return rows;
}
