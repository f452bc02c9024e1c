/**
 * Signatures on the way in, through the real ingest handler on DynamoDB Local: Baton's callers sign
 * a timestamp with the body (a captured request is refused once 5 minutes old), every signature is
 * checked on the raw bytes as sent, and Meta's verify token is compared in constant time.
 */
import crypto from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { createHandler } from '../../functions/ingest/handler';
import { MESSAGE_DEDUPE_SECONDS } from '../../functions/ingest/receive-user-message';
import { WHATSAPP_MAX_AGE_SECONDS } from '../../functions/ingest/whatsapp-webhook';
import { sign, signatureHeaders } from '../../shared/http/signature';
import type { Dynamo } from '../../shared/store/client';
import { freshTable } from '../support/dynamo';
import { httpEvent } from '../support/http-event';
import { lambdaContext } from '../support/lambda-context';
import { buildRuntime, HOOKS_PHONE_NUMBER_ID, SECRETS, type TestRig, uniqueId } from './use-cases/runtime';

let dynamo: Dynamo;
let rig: TestRig;
let ingest: (event: APIGatewayProxyEventV2) => Promise<{ statusCode: number; body: string }>;
const resultSchema = z.object({ statusCode: z.number(), body: z.string() });

beforeAll(async () => {
  const table = await freshTable('signatures');
  dynamo = table.dynamo;
  rig = buildRuntime({ dynamo, tableName: table.tableName, outsideUrl: 'http://127.0.0.1:1' });
  const handler = createHandler(rig.runtime);
  ingest = async (event) => resultSchema.parse(await handler(event, lambdaContext()));
});
afterAll(() => dynamo.raw.destroy());

function post(
  tenant: string,
  route: 'web' | 'answers' | 'whatsapp',
  body: string | Buffer,
  headers: Record<string, string>,
): APIGatewayProxyEventV2 {
  return httpEvent(`POST /v1/{tenant}/${route}`, {
    rawPath: `/v1/${tenant}/${route}`,
    pathParameters: { tenant },
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

const webMessage = (conversationId: string) =>
  JSON.stringify({ conversationId, messageId: uniqueId('m'), text: 'hello' });

test('a web message signed with a timestamp of now is taken', async () => {
  const id = uniqueId('w-now');
  const body = webMessage(id);
  const answer = await ingest(post('acme', 'web', body, signatureHeaders(SECRETS.webSecret, body)));
  expect(answer.statusCode).toBe(200);
  expect((await rig.state('acme', id))?.inbox).toHaveLength(1);
});

test.each([
  // Timestamps are whole seconds (one signed now may read up to a second old): a margin of 2 s.
  ['302 s old', -302_000],
  ['302 s ahead', 302_000],
])(
  'a correctly signed web message whose timestamp is %s is refused (401) and changes nothing',
  async (_, by) => {
    const id = uniqueId('w-replay');
    const body = webMessage(id);
    const answer = await ingest(
      post('acme', 'web', body, signatureHeaders(SECRETS.webSecret, body, Date.now() + by)),
    );
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({
      error: 'unauthorized',
      message: expect.stringContaining('timestamp'),
    });
    expect(await rig.state('acme', id)).toBeUndefined();
  },
);

test('within the window either way (298 s) the signature holds', async () => {
  for (const by of [-298_000, 298_000]) {
    const body = webMessage(uniqueId('w-edge'));
    const answer = await ingest(
      post('acme', 'web', body, signatureHeaders(SECRETS.webSecret, body, Date.now() + by)),
    );
    expect(answer.statusCode).toBe(200);
  }
});

test('a timestamp the signature does not cover is refused: moving it forward breaks the signature', async () => {
  const id = uniqueId('w-moved');
  const body = webMessage(id);
  const old = signatureHeaders(SECRETS.webSecret, body, Date.now() - 3_600_000);
  const moved = { ...old, 'x-baton-timestamp': String(Math.floor(Date.now() / 1000)) };
  expect((await ingest(post('acme', 'web', body, moved))).statusCode).toBe(401);
  expect(await rig.state('acme', id)).toBeUndefined();
});

test('the body alone signed (no timestamp): refused, unless the tenant still takes untimed signatures', async () => {
  const body = webMessage(uniqueId('w-untimed'));
  const untimed = { 'x-baton-signature': sign(SECRETS.webSecret, body) };
  expect((await ingest(post('acme', 'web', body, untimed))).statusCode).toBe(401);
  const hooksBody = webMessage(uniqueId('w-untimed'));
  const hooksUntimed = { 'x-baton-signature': sign('hooks-web-secret', hooksBody) };
  expect((await ingest(post('hooks', 'web', hooksBody, hooksUntimed))).statusCode).toBe(200);
});

test('a pushed answer is held to the same window', async () => {
  const body = JSON.stringify({ conversationId: uniqueId('w-push'), answerId: 'a-1', text: 'hi' });
  const stale = signatureHeaders(SECRETS.botSecret, body, Date.now() - 600_000);
  expect((await ingest(post('acme', 'answers', body, stale))).statusCode).toBe(401);
});

test('signatures are checked on the raw bytes: a body that is not valid UTF-8, sent base64-encoded, keeps its signature', async () => {
  // A text with a byte that is no UTF-8 (0xff): decoding it first would replace it and break the HMAC.
  const id = uniqueId('w-bytes');
  const bytes = Buffer.concat([
    Buffer.from(`{"conversationId":"${id}","messageId":"m-1","text":"caf`),
    Buffer.from([0xff]),
    Buffer.from('"}'),
  ]);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signed = {
    'x-baton-timestamp': timestamp,
    'x-baton-signature': sign(SECRETS.webSecret, Buffer.concat([Buffer.from(`${timestamp}.`), bytes])),
  };
  expect((await ingest(post('acme', 'web', bytes, signed))).statusCode).toBe(200);
  const whatsapp = Buffer.concat([
    Buffer.from(
      `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"1234567890"},"messages":[{"from":"31600000001","id":"wamid.bytes","timestamp":"${timestamp}","type":"text","text":{"body":"caf`,
    ),
    Buffer.from([0xff]),
    Buffer.from('"}}]}}]}]}'),
  ]);
  const meta = { 'x-hub-signature-256': sign('acme-whatsapp-secret', whatsapp) };
  expect((await ingest(post('acme', 'whatsapp', whatsapp, meta))).statusCode).toBe(200);
});

test("Meta's verify token is compared in constant time", async () => {
  const compare = jest.spyOn(crypto, 'timingSafeEqual');
  const verify = (token: string) =>
    ingest({
      ...post('acme', 'whatsapp', '', {}),
      routeKey: 'GET /v1/{tenant}/whatsapp',
      queryStringParameters: { 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': 'c-1' },
    });
  expect(await verify('acme-verify-token')).toMatchObject({ statusCode: 200, body: 'c-1' });
  expect(compare).toHaveBeenCalled();
  compare.mockClear();
  expect((await verify('acme-verify-tokeX')).statusCode).toBe(403);
  expect(compare).toHaveBeenCalled();
  compare.mockRestore();
});

describe("WhatsApp: Meta's message timestamp against its retry window", () => {
  const webhook = (from: string, sentAt: number) =>
    JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '1',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: '1234567890' },
                messages: [
                  {
                    from,
                    id: `wamid.${from}`,
                    timestamp: String(Math.floor(sentAt / 1000)),
                    type: 'text',
                    text: { body: 'hi' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
  const signedByMeta = (body: string) =>
    post('acme', 'whatsapp', body, { 'x-hub-signature-256': sign('acme-whatsapp-secret', body) });

  test('message ids are remembered longer than a WhatsApp message can be taken', () => {
    expect(MESSAGE_DEDUPE_SECONDS).toBeGreaterThan(WHATSAPP_MAX_AGE_SECONDS + 300);
  });

  test('a captured webhook replayed after Meta stops retrying (7 days) is answered 200 and not taken', async () => {
    const from = '31600000008';
    const day = 24 * 3_600_000;
    const answer = await ingest(signedByMeta(webhook(from, Date.now() - 7 * day - 60_000)));
    expect(answer.statusCode).toBe(200);
    expect(await rig.state('acme', `wa:${from}`)).toBeUndefined();
    expect(rig.metrics.points).toContainEqual(
      expect.objectContaining({ name: 'WhatsAppReplayRefused', value: 1, tenant: 'acme' }),
    );
  });

  test('a retry Meta may still send (6 days old) is taken; so is one stamped a little ahead of our clock', async () => {
    const day = 24 * 3_600_000;
    expect((await ingest(signedByMeta(webhook('31600000006', Date.now() - 6 * day)))).statusCode).toBe(200);
    expect((await rig.state('acme', 'wa:31600000006'))?.inbox).toHaveLength(1);
    expect((await ingest(signedByMeta(webhook('31600000009', Date.now() + 60_000)))).statusCode).toBe(200);
    expect((await rig.state('acme', 'wa:31600000009'))?.inbox).toHaveLength(1);
  });
});

describe("one callback URL for the Meta app's numbers (POST /v1/whatsapp): the numbers say whose, the owners' app secret must have signed", () => {
  const change = (phoneNumberId: string, from: string) => ({
    field: 'messages',
    value: {
      metadata: { phone_number_id: phoneNumberId },
      messages: [
        {
          from,
          id: `wamid.${from}-${phoneNumberId}`,
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: 'text',
          text: { body: 'hi' },
        },
      ],
    },
  });
  const body = (...changes: ReturnType<typeof change>[]) =>
    JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes }] });
  const shared = (text: string, secret = 'acme-whatsapp-secret') => ({
    ...post('', 'whatsapp', text, { 'x-hub-signature-256': sign(secret, text) }),
    routeKey: 'POST /v1/whatsapp',
    rawPath: '/v1/whatsapp',
    pathParameters: {},
  });

  test('one body with two tenants’ numbers: each message goes to the tenant that owns its number', async () => {
    const answer = await ingest(
      shared(body(change('1234567890', '31600000101'), change(HOOKS_PHONE_NUMBER_ID, '31600000102'))),
    );
    expect(answer.statusCode).toBe(200);
    expect((await rig.state('acme', 'wa:31600000101'))?.channel).toEqual({
      type: 'whatsapp',
      waId: '31600000101',
      phoneNumberId: '1234567890',
    });
    expect((await rig.state('hooks', 'wa:31600000102'))?.inbox).toHaveLength(1);
    expect(await rig.state('acme', 'wa:31600000102')).toBeUndefined();
    expect(await rig.state('hooks', 'wa:31600000101')).toBeUndefined();
  });

  test('a number no tenant owns → 403, nothing taken; a signature by another secret → 401', async () => {
    const unknown = await ingest(
      shared(body(change('1234567890', '31600000103'), change('999', '31600000104'))),
    );
    expect(unknown.statusCode).toBe(403);
    expect(await rig.state('acme', 'wa:31600000103')).toBeUndefined();
    const forged = await ingest(shared(body(change('1234567890', '31600000105')), 'not-the-app-secret'));
    expect(forged.statusCode).toBe(401);
    expect(await rig.state('acme', 'wa:31600000105')).toBeUndefined();
  });

  test('on a tenant’s own URL, another tenant’s number is refused (403) even with the shared app secret', async () => {
    const text = body(change(HOOKS_PHONE_NUMBER_ID, '31600000106'));
    const answer = await ingest(
      post('acme', 'whatsapp', text, { 'x-hub-signature-256': sign('acme-whatsapp-secret', text) }),
    );
    expect(answer.statusCode).toBe(403);
    expect(await rig.state('acme', 'wa:31600000106')).toBeUndefined();
    expect(await rig.state('hooks', 'wa:31600000106')).toBeUndefined();
  });

  test("the handshake on the shared URL takes any of the app's tenants' verify tokens", async () => {
    const verify = (token: string) =>
      ingest({
        ...post('', 'whatsapp', '', {}),
        routeKey: 'GET /v1/whatsapp',
        pathParameters: {},
        queryStringParameters: { 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': 'c-2' },
      });
    expect(await verify('hooks-verify-token')).toMatchObject({ statusCode: 200, body: 'c-2' });
    expect(await verify('acme-verify-token')).toMatchObject({ statusCode: 200, body: 'c-2' });
    expect((await verify('nobody-s-token')).statusCode).toBe(403);
  });
});
