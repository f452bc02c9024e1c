/**
 * Cold start per function: process start → handler loaded → first invocation answered, in fresh
 * Node processes (the median of `runs`), each Baton function and the baseline interleaved so
 * machine noise falls on both. The invocation does real work on DynamoDB Local and the fake
 * EventBridge: ingest a signed web message; every event consumer an event about an unknown
 * conversation (one read; hand-over its one conditional update); the conveyor a stream record whose
 * version wrote an event (it publishes it); the sweep its query. The baseline makes the same SDK
 * calls and nothing else.
 *
 * Two differences from Lambda, the same for both sides: the secrets are inline (a deployed function
 * reads Secrets Manager once per container, on first use), and Node is this machine's 20, where
 * Lambda runs 22.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { marshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod';
import { FUNCTION_NODE_OPTIONS } from '../infra/aws/bundling';
import { DEMO_PHONE_NUMBER_IDS } from '../infra/local/tenants';
import { newConversation, transition } from '../shared/domain/conversation';
import { EVENT_SOURCE } from '../shared/events/define';
import { eventsFor } from '../shared/flow/effect-events';
import { signatureHeaders } from '../shared/http/signature';
import { signMediaToken } from '../shared/media/media-link';
import { conversationKey } from '../shared/store/keys';
import { BASELINE, type Bundle } from './bundles';
import { BENCH_MEDIA_LINK_KEY, type BenchEnvironment } from './environment';
import { ingestRequests } from './ingest-floor';
import { type BenchRow, median } from './report';

const run = promisify(execFile);
const timesSchema = z.object({
  booted: z.number(),
  ready: z.number(),
  answered: z.number(),
  statusCode: z.number().nullable(),
});

interface FirstEvent {
  /** What the function is invoked with. */
  event: unknown;
  /** What the baseline is invoked with: the floor of the same calls. */
  floorEvent: Record<string, unknown>;
  /** The status the function must answer with (null: an event handler, which answers nothing). */
  status: number | null;
}

/**
 * The first event each function gets, the floor the baseline matches it with, and the answer that
 * proves the function did the work measured (a quick 401 would be a cheaper path, not a cold start).
 */
function firstEvent(name: string, webSecret: string, env: BenchEnvironment): FirstEvent {
  const floor = (kind: string) => ({ floor: kind, id: randomUUID() });
  const detail = (data: Record<string, unknown>) => ({
    metadata: {
      id: randomUUID(),
      version: 1,
      time: new Date().toISOString(),
      tenantId: 'demo',
      correlationId: 'c',
    },
    // Events name a conversation by its keyed reference; this one is of no conversation stored.
    data: { tenantId: 'demo', conversationRef: `c-${randomUUID().replaceAll('-', '')}`, ...data },
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
      return {
        event: httpEvent('POST', '/v1/demo/web', body, signatureHeaders(webSecret, body)),
        floorEvent: {
          floor: 'ingest',
          ...ingestRequests(env.variables.TABLE_NAME ?? '', `cold-floor-${randomUUID()}`, Date.now()),
        },
        status: 200,
      };
    }
    case 'relay':
      return {
        event: bus('SessionEnded', { handoverId: 'h', reason: 'agent' }),
        floorEvent: floor('get'),
        status: null,
      };
    case 'conveyor': {
      const record = streamRecordWritingAnEvent();
      return {
        event: { Records: [record.record] },
        // Baton publishes the record's event, tells the bot (here it cannot: nothing listens), then
        // puts the status event on the bus for the relay: the floor makes the same three calls.
        floorEvent: {
          floor: 'publish',
          entries: [record.entry(env.variables.EVENT_BUS_NAME ?? '')],
          botUrl: 'http://127.0.0.1:9/bot-events/demo',
        },
        status: null,
      };
    }
    case 'check-presence':
      return {
        event: bus('HandoverRequested', { handoverId: 'h', additions: { mscChannel: 'Web' } }),
        floorEvent: floor('get'),
        status: null,
      };
    case 'hand-over':
      return {
        event: bus('IntakeCompleted', { handoverId: 'h' }),
        floorEvent: floor('mark'),
        status: null,
      };
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
        floorEvent: floor('get'),
        // The conversation is unknown: found out by its one read.
        status: 404,
      };
    case 'operator-api': {
      // An operator reads a conversation that is not there: found out by its one read.
      const ref = `c-${randomUUID().replaceAll('-', '')}`;
      const event = httpEvent('GET', `/v1/operator/demo/conversations/${ref}`, '', {});
      return {
        event: {
          ...event,
          routeKey: 'GET /v1/operator/{tenant}/conversations/{conversationRef}',
          pathParameters: { tenant: 'demo', conversationRef: ref },
          requestContext: {
            ...event.requestContext,
            authorizer: { iam: { userArn: 'arn:aws:iam::0:user/bench' } },
          },
        },
        floorEvent: floor('get'),
        status: 404,
      };
    }
    case 'media': {
      // A good link to a file of demo's: the Graph API (nothing listens here) does not answer.
      const token = signMediaToken(BENCH_MEDIA_LINK_KEY, 'demo', {
        mediaId: '1003383421387256',
        phoneNumberId: DEMO_PHONE_NUMBER_IDS.demo,
        expiresAt: Date.now() + 600_000,
      });
      return {
        event: httpEvent('GET', `/v1/demo/media/${token}`, '', {}),
        floorEvent: { floor: 'fetch', url: 'http://127.0.0.1:9/v21.0/1003383421387256' },
        status: 502,
      };
    }
    default:
      return {
        event: { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
        floorEvent: floor('sweep'),
        status: null,
      };
  }
}

/**
 * The stream record of a conversation's handover request (the bot's answer asked): its version wrote
 * HandoverRequested, which the conveyor publishes; nothing waits in its inbox. And the event as the
 * floor sends it.
 */
function streamRecordWritingAnEvent() {
  const now = Date.now();
  const fresh = newConversation('demo', `cold-${randomUUID()}`, { type: 'web' }, now);
  const { state, effects } = transition(
    fresh,
    { type: 'requestHandover', handoverId: 'h', additions: { mscChannel: 'Web' } },
    now,
  );
  const outbox = eventsFor(state, effects, now);
  const image = (conversation: object) =>
    marshall(
      { ...conversationKey('demo', fresh.conversationId), ...conversation },
      { removeUndefinedValues: true },
    );
  return {
    record: {
      eventID: randomUUID(),
      eventName: 'MODIFY',
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: marshall(conversationKey('demo', fresh.conversationId)),
        OldImage: image(fresh),
        NewImage: image({ ...state, outbox }),
        SequenceNumber: '1',
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    },
    entry: (busName: string) => ({
      EventBusName: busName,
      Source: EVENT_SOURCE,
      DetailType: outbox[0]?.detailType ?? '',
      Detail: JSON.stringify(outbox[0]?.detail),
    }),
  };
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

async function coldStart(
  bundle: Bundle,
  event: unknown,
  status: number | null,
  env: BenchEnvironment,
): Promise<ColdTimes> {
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
  // The child's last line is its times; anything before it is the function's own output (its logs).
  const last = stdout.trimEnd().split('\n').at(-1) ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`${bundle.name}: no times from its cold start; it printed:\n${stdout.slice(0, 2000)}`);
  }
  const times = timesSchema.parse(parsed);
  if (times.statusCode !== status)
    throw new Error(`${bundle.name} answered ${times.statusCode} to its first event, not ${status}`);
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
      const first = firstEvent(bundle.name, webSecret, env);
      const measureBaton = async () => baton.push(await coldStart(bundle, first.event, first.status, env));
      const measureFloor = async () => floor.push(await coldStart(baseline, first.floorEvent, 200, env));
      // Each goes first every other run, so what one leaves behind falls on both alike.
      if (i % 2 === 0) {
        await measureBaton();
        await measureFloor();
      } else {
        await measureFloor();
        await measureBaton();
      }
    }
    const batonMs = median(baton.map((times) => times.answered));
    const baselineMs = median(floor.map((times) => times.answered));
    // Each run's ratio to the baseline run beside it: the machine's load drifts over the minutes a
    // function's runs take, and a pair sees the same load, where the two medians may not.
    const pairRatios = baton
      .map((times, i) => times.answered / (floor[i]?.answered ?? Number.NaN))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const pairRatio = median(pairRatios);
    const quartile = (q: number) => pairRatios[Math.floor(q * (pairRatios.length - 1))]?.toFixed(2) ?? '–';
    const split = (times: readonly ColdTimes[]) =>
      `${median(times.map((t) => t.loaded)).toFixed(0)} + ${median(times.map((t) => t.answered - t.loaded)).toFixed(0)}`;
    rows.push({
      figure: `cold start: ${bundle.name}`,
      unit: 'ms',
      baton: batonMs,
      baseline: baselineMs,
      ratio: pairRatio,
      target: '≤ 1.2 × baseline',
      met: pairRatio <= 1.2,
      note:
        `${runs} fresh processes each, in pairs taking turns at going first; process start to first ` +
        `answer (consumers: an unknown conversation, the path that ends after one read); the ratio is ` +
        `the median of the pairs' ratios (quartiles ${quartile(0.25)}–${quartile(0.75)}; ratio of the ` +
        `medians ${(batonMs / baselineMs).toFixed(2)}); loaded + first call (medians, ms): ` +
        `Baton ${split(baton)}, baseline ${split(floor)}`,
    });
  }
  return rows;
}
