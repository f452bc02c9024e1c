/**
 * Bad input, fuzzed (fast-check): every route of both HTTP functions gets ≥ 10,000 generated bodies,
 * headers and signatures through the real handler on DynamoDB Local. Never a 5xx, never a state
 * change, never an event; always a 4xx with a JSON error (a field named for a 400).
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import * as z from 'zod';
import { createHandler as createAgentApi } from '../../functions/agent-api/handler';
import { createHandler as createIngest } from '../../functions/ingest/handler';
import { attachmentSchema } from '../../shared/events/attachment';
import { userMessageSchema } from '../../shared/events/shapes';
import { sign, signatureHeaders } from '../../shared/http/signature';
import type { Dynamo } from '../../shared/store/client';
import { freshTable } from '../support/dynamo';
import { whatsappWebhook } from '../support/http';
import { httpEvent } from '../support/http-event';
import { lambdaContext } from '../support/lambda-context';
import { buildRuntime, SECRETS, type TestRig, WHATSAPP_USER } from './use-cases/runtime';

const RUNS = 10_000;
let dynamo: Dynamo;
let tableName: string;
let rig: TestRig;
type Invoke = (event: APIGatewayProxyEventV2) => Promise<unknown>;
let ingest: Invoke;
let agentApi: Invoke;

beforeAll(async () => {
  ({ dynamo, tableName } = await freshTable('fuzz'));
  // Nothing outside may be reached: a fuzzed request that got that far would fail loudly on port 1.
  rig = buildRuntime({ dynamo, tableName, outsideUrl: 'http://127.0.0.1:1' });
  const quiet = { ...rig.runtime };
  const ingestHandler = createIngest(quiet);
  const agentHandler = createAgentApi(quiet);
  ingest = (event) => ingestHandler(event, lambdaContext());
  agentApi = (event) => agentHandler(event, lambdaContext());
});
afterAll(() => dynamo.raw.destroy());

const resultSchema = z.object({ statusCode: z.number(), body: z.string().optional() });
const errorSchema = z.object({
  error: z.string().min(1),
  message: z.string().min(1),
  field: z.string().optional(),
});

function event(
  routeKey: string,
  pathParameters: Record<string, string>,
  headers: Record<string, string>,
  body: string | undefined,
): APIGatewayProxyEventV2 {
  return httpEvent(routeKey, { pathParameters, headers, body });
}

/** A clear 4xx: the status is a client error and the body says what, in JSON. */
async function expectClear4xx(invoke: Invoke, request: APIGatewayProxyEventV2): Promise<number> {
  const result = resultSchema.parse(await invoke(request));
  if (result.statusCode < 400 || result.statusCode >= 500) {
    throw new Error(`${request.routeKey} answered ${result.statusCode}: ${result.body}`);
  }
  const error = errorSchema.parse(JSON.parse(result.body ?? ''));
  if (result.statusCode === 400 && !error.field) throw new Error('a 400 must name the field');
  return result.statusCode;
}

const json = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
  fc.constantFrom('', '{', 'null', '[]', '{"entry":[{}]}'),
);

/** Anything but a usable id: wrong types, empty, too long, or with characters ids may not have. */
const badId = fc.oneof(
  fc.constantFrom(null, 0, true, '', ' ', 'has space', 'x'.repeat(300)),
  fc.jsonValue().filter((value) => typeof value !== 'string'),
);
const notAString = fc.jsonValue().filter((value) => typeof value !== 'string' && value !== null);
const whatsappWith = (message: Record<string, unknown>) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '1',
        changes: [{ field: 'messages', value: { metadata: { phone_number_id: '1' }, messages: [message] } }],
      },
    ],
  });

/** Bodies shaped like each route's, with one required field broken: invalid by construction. */
const BROKEN: Record<string, fc.Arbitrary<string>> = {
  'POST /v1/{tenant}/web': fc.oneof(
    badId.map((conversationId) => JSON.stringify({ conversationId, messageId: 'm-1', text: 'hi' })),
    badId.map((messageId) => JSON.stringify({ conversationId: 'c-1', messageId, text: 'hi' })),
    notAString.map((text) => JSON.stringify({ conversationId: 'c-1', messageId: 'm-1', text })),
    fc
      .string()
      .map((page) =>
        JSON.stringify({ conversationId: 'c-1', messageId: 'm-1', text: 'hi', pageUrl: `no url ${page}` }),
      ),
    // Page URLs the WHATWG parser would forgive or that are not http(s).
    fc
      .constantFrom(
        'https:shop.example/help',
        'https://shop.example/help\n',
        ' https://shop.example/help',
        'javascript:alert(1)',
        'ftp://shop.example/help',
      )
      .map((pageUrl) => JSON.stringify({ conversationId: 'c-1', messageId: 'm-1', text: 'hi', pageUrl })),
    fc.constant(JSON.stringify({ conversationId: 'c-1', messageId: 'm-1' })),
  ),
  'POST /v1/{tenant}/answers': fc.oneof(
    badId.map((conversationId) => JSON.stringify({ conversationId, answerId: 'a-1', text: 'hi' })),
    badId.map((answerId) => JSON.stringify({ conversationId: 'c-1', answerId, text: 'hi' })),
    notAString.map((text) => JSON.stringify({ conversationId: 'c-1', answerId: 'a-1', text })),
  ),
  'POST /v1/{tenant}/whatsapp': fc.oneof(
    fc
      .jsonValue()
      .filter((value) => value !== 'whatsapp_business_account')
      .map((object) => JSON.stringify({ object, entry: [] })),
    notAString
      .filter((entry) => !Array.isArray(entry))
      .map((entry) => JSON.stringify({ object: 'whatsapp_business_account', entry })),
    fc
      .string()
      .filter((from) => !/^\d{5,20}$/.test(from))
      .map((from) => whatsappWith({ from, id: 'w', timestamp: '1', type: 'text', text: { body: 'hi' } })),
    badId.map((id) =>
      whatsappWith({ from: '31612345678', id, timestamp: '1', type: 'text', text: { body: 'hi' } }),
    ),
  ),
};

const headerName = fc.constantFrom(
  'x-baton-signature',
  'x-baton-timestamp',
  'x-hub-signature-256',
  'authorization',
  'content-type',
  'x-other',
);
const headers = fc.dictionary(headerName, fc.string({ maxLength: 80 }), { maxKeys: 4 });
const tenant = fc.oneof(fc.constant('acme'), fc.constant('hooks'), fc.string({ maxLength: 12 }));

async function itemCount(): Promise<number> {
  const { Count } = await dynamo.doc.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }));
  return Count ?? 0;
}

const INGEST_ROUTES = [
  'POST /v1/{tenant}/whatsapp',
  'POST /v1/{tenant}/web',
  'POST /v1/{tenant}/answers',
] as const;
const SECRET_OF: Record<(typeof INGEST_ROUTES)[number], string> = {
  'POST /v1/{tenant}/whatsapp': 'acme-whatsapp-secret',
  'POST /v1/{tenant}/web': SECRETS.webSecret,
  'POST /v1/{tenant}/answers': SECRETS.botSecret,
};
/** How each route's caller signs: Meta over the body, Baton's callers over a timestamp and the body. */
const signed = (routeKey: (typeof INGEST_ROUTES)[number], body: string): Record<string, string> =>
  routeKey === 'POST /v1/{tenant}/whatsapp'
    ? { 'x-hub-signature-256': sign(SECRET_OF[routeKey], body) }
    : signatureHeaders(SECRET_OF[routeKey], body);

test.each(INGEST_ROUTES)(
  `${RUNS} random unsigned or wrongly signed requests to %s: 4xx, nothing changes`,
  async (routeKey) => {
    const before = await itemCount();
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(tenant, headers, json, async (tenantId, requestHeaders, body) => {
        statuses.add(
          await expectClear4xx(ingest, event(routeKey, { tenant: tenantId }, requestHeaders, body)),
        );
      }),
      { numRuns: RUNS },
    );
    expect(await itemCount()).toBe(before);
    expect(rig.publisher.events).toEqual([]);
    expect([...statuses].every((status) => [400, 401, 404, 413].includes(status))).toBe(true);
  },
  120_000,
);

test.each(INGEST_ROUTES)(
  `${RUNS} correctly signed malformed bodies to %s: 400 naming the field, nothing changes`,
  async (routeKey) => {
    const before = await itemCount();
    await fc.assert(
      fc.asyncProperty(fc.oneof(json, BROKEN[routeKey] ?? json), async (body) => {
        const status = await expectClear4xx(
          ingest,
          event(routeKey, { tenant: 'acme' }, signed(routeKey, body), body),
        );
        // A signed answer for a conversation that does not exist is a 404; everything else here is a 400.
        if (status !== 400 && !(status === 404 && routeKey === 'POST /v1/{tenant}/answers')) {
          throw new Error(`${routeKey} answered ${status} to a malformed body`);
        }
      }),
      { numRuns: RUNS },
    );
    expect(await itemCount()).toBe(before);
    expect(rig.publisher.events).toEqual([]);
  },
  120_000,
);

const AGENT_ROUTES = ['claim', 'messages', 'end'].map(
  (action) => `POST /v1/{tenant}/agent/conversations/{conversationId}/${action}`,
);

test.each(AGENT_ROUTES)(
  `${RUNS} random requests to %s: 4xx, nothing changes`,
  async (routeKey) => {
    const before = await itemCount();
    const token = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constantFrom(
        'Bearer acme-agent-token',
        'Bearer hooks-agent-token',
        'bearer acme-agent-token',
        'Bearer ',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        tenant,
        fc.string({ maxLength: 140 }),
        token,
        json,
        async (tenantId, conversationId, authorization, body) => {
          await expectClear4xx(
            agentApi,
            event(routeKey, { tenant: tenantId, conversationId }, { authorization }, body),
          );
        },
      ),
      { numRuns: RUNS },
    );
    expect(await itemCount()).toBe(before);
    expect(rig.publisher.events).toEqual([]);
  },
  180_000,
);

const TYPED_RUNS = 2_000;
const TYPED = ['image', 'audio', 'video', 'document', 'sticker', 'location', 'contacts', 'reaction'] as const;
/** Meta's typed objects, well-formed, nearly so, or anything at all. */
const typedObject = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      id: fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue()),
      mime_type: fc.oneof(fc.constant('image/jpeg'), fc.string({ maxLength: 300 })),
      caption: fc.string({ maxLength: 1500 }),
      filename: fc.string({ maxLength: 400 }),
      voice: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      latitude: fc.oneof(fc.double(), fc.jsonValue()),
      longitude: fc.oneof(fc.double(), fc.jsonValue()),
      name: fc.string({ maxLength: 1200 }),
    },
    { requiredKeys: [] },
  ),
  fc.array(fc.record({ name: fc.record({ formatted_name: fc.string({ maxLength: 600 }) }) }), {
    maxLength: 25,
  }),
  fc.record(
    { message_id: fc.string({ maxLength: 300 }), emoji: fc.string({ maxLength: 40 }) },
    { requiredKeys: [] },
  ),
);

test(`${TYPED_RUNS} signed WhatsApp messages of every type with fuzzed typed objects: taken, typed within bounds or named unsupported`, async () => {
  let sender = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...TYPED), typedObject, async (type, typed) => {
      sender += 1;
      const from = String(31_600_000_000 + sender);
      const body = whatsappWebhook(
        from,
        { id: `wamid.fuzz-${sender}`, type, [type]: typed },
        WHATSAPP_USER.phoneNumberId,
      );
      const routeKey = 'POST /v1/{tenant}/whatsapp';
      const result = z
        .object({ statusCode: z.number() })
        .parse(await ingest(event(routeKey, { tenant: 'acme' }, signed(routeKey, body), body)));
      expect(result.statusCode).toBe(200);
      const state = await rig.store.get('acme', `wa:${from}`, Date.now());
      const message = userMessageSchema.parse(state?.inbox?.at(-1)?.message);
      // Either typed (the shared schema's bounds held) or named by its type: never text made up.
      if (message.attachment) expect(attachmentSchema.safeParse(message.attachment).success).toBe(true);
      else expect(message.unsupportedType).toBe(type);
      expect(message.text).toBeUndefined();
    }),
    { numRuns: TYPED_RUNS },
  );
}, 180_000);
