/**
 * The first vertical slice through the real handlers, over real HTTP: channel webhook → ingest →
 * the table's stream → conveyor → simulated bot → simulated channel send (or, when the conveyor
 * cannot send an answer itself, kept in the item and sent by the relay on MessageUnsent).
 */
import type { LocalStack } from '../../infra/local/stack';
import { sign, signatureHeaders } from '../../shared/http/signature';
import { conversationRef, idRef } from '../../shared/log/logger';
import {
  eventually,
  fixture,
  postSigned,
  postWeb,
  postWhatsApp,
  request,
  whatsappText,
  whatsappWebhook,
} from '../support/http';
import { type CapturedLine, startTestStack } from '../support/local-stack';

let stack: LocalStack;
let logs: CapturedLine[];

beforeAll(async () => {
  ({ stack, logs } = await startTestStack());
});
afterAll(() => stack.stop());
beforeEach(async () => {
  await request(`${stack.url}/sim/reset`, { method: 'POST' });
});

interface LogEntry {
  system: string;
  path: string;
  body: unknown;
  /** The simulator's answer: an HTTP status, or `timeout`. */
  outcome: unknown;
}

async function simLog(query = ''): Promise<LogEntry[]> {
  await stack.settle();
  const answer = await request(`${stack.url}/sim/log${query}`);
  if (!Array.isArray(answer.json)) throw new Error('sim log is not an array');
  return answer.json.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) throw new Error('bad entry');
    return {
      system: String(Reflect.get(entry, 'system')),
      path: String(Reflect.get(entry, 'path')),
      body: Reflect.get(entry, 'body'),
      outcome: Reflect.get(entry, 'outcome'),
    };
  });
}

/** A message id shaped as Meta's are: base64 around the sender's number, then a random part. */
const metaShapedWamid = (phone: string) =>
  `wamid.${Buffer.from(`\x1c\x18\x0b${phone}\x15\x02\x00\x12\x18\x14${phone.slice(-10)}A1B2C3D4E5\x00`).toString('base64')}`;
const SLICE_WAMID = metaShapedWamid('31611111111');

describe('WhatsApp', () => {
  test('a WhatsApp message the bot fails on is logged by a hash of its id: the id holds the number', async () => {
    await request(`${stack.url}/sim/bot`, { method: 'POST', body: JSON.stringify({ mode: 'error' }) });
    const wamid = metaShapedWamid('31699999999');
    expect((await postWhatsApp(stack.url, 'demo', whatsappText('31699999999', wamid, 'help'))).status).toBe(
      200,
    );
    // The conveyor's retries are logged under the conversation's hash, the dead letter names the message by its hash.
    const lines = await eventually(async () => {
      const named = logs.filter((line) => line.fields.messageRef === idRef(wamid));
      return named.length ? named : undefined;
    });
    expect(lines.map((line) => line.message)).toEqual(['message dead-lettered']);
    const conversation = conversationRef('demo', 'wa:31699999999');
    expect(
      logs.filter(
        (line) =>
          line.fields.correlationId === conversation && line.message === 'delivery failed; trying again',
      ),
    ).toHaveLength(2);
    expect(JSON.stringify(logs)).not.toContain(wamid.slice('wamid.'.length));
  });

  test("a signed text message reaches the bot and the bot's answer reaches the user through the Graph API", async () => {
    const answer = await postWhatsApp(
      stack.url,
      'demo',
      whatsappText('31611111111', SLICE_WAMID, 'Hello there'),
    );
    expect(answer.status).toBe(200);
    const log = await simLog();
    expect(log.map((entry) => entry.system)).toEqual(['bot', 'whatsapp']);
    expect(log[0]?.body).toMatchObject({
      tenantId: 'demo',
      conversationId: 'wa:31611111111',
      text: 'Hello there',
      channel: 'whatsapp',
    });
    expect(log[1]?.path).toBe('/sim/whatsapp/v21.0/1234567890/messages');
    expect(log[1]?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '31611111111',
      type: 'text',
      text: { body: 'echo: Hello there' },
    });
    const state = await request(`${stack.url}/sim/state/demo/wa:31611111111`);
    expect(state.json).toMatchObject({ phase: 'bot', channel: 'whatsapp' });
  });

  test("Meta's real fixture body is accepted, and its button reply payload is carried", async () => {
    expect((await postWhatsApp(stack.url, 'demo', fixture('inbound-text.json'))).status).toBe(200);
    expect((await postWhatsApp(stack.url, 'demo', fixture('inbound-button-reply.json'))).status).toBe(200);
    const bot = await simLog('?system=bot');
    expect(bot.map((entry) => entry.body)).toEqual([
      expect.objectContaining({ conversationId: 'wa:31612345678', text: 'Hello, I have a question' }),
      expect.objectContaining({ conversationId: 'wa:31612345678', payload: 'LIVECHAT_SESSION_END' }),
    ]);
  });

  test('a status-only webhook is acknowledged and changes nothing', async () => {
    expect((await postWhatsApp(stack.url, 'demo', fixture('inbound-status.json'))).status).toBe(200);
    expect(await simLog()).toEqual([]);
  });

  test('the same webhook delivered 5 times reaches the bot once and answers once', async () => {
    const body = whatsappText('31622222222', 'wamid.dup-1', 'only once');
    const answers = await Promise.all(Array.from({ length: 5 }, () => postWhatsApp(stack.url, 'demo', body)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect((await simLog()).map((entry) => entry.system)).toEqual(['bot', 'whatsapp']);
  });

  const unsignedCases: Array<[string, (body: string) => ReturnType<typeof request>]> = [
    ['no signature', (body) => request(`${stack.url}/v1/demo/whatsapp`, { method: 'POST', body })],
    [
      'a wrong signature',
      (body) =>
        request(`${stack.url}/v1/demo/whatsapp`, {
          method: 'POST',
          headers: { 'x-hub-signature-256': 'sha256=00' },
          body,
        }),
    ],
    ["another tenant's secret", (body) => postWhatsApp(stack.url, 'demo', body, 'demo2-whatsapp-secret')],
  ];
  test.each(unsignedCases)('%s → 401 and nothing changes', async (_name, send) => {
    const answer = await send(whatsappText('31633333333', 'wamid.unsigned', 'hi'));
    expect(answer.status).toBe(401);
    expect(answer.json).toMatchObject({ error: 'unauthorized' });
    expect(await simLog()).toEqual([]);
    expect((await request(`${stack.url}/sim/state/demo/wa:31633333333`)).status).toBe(404);
  });

  test("a body naming another tenant's number → 403: it reaches no bot and no desk, and nothing changes", async () => {
    // Signed with demo2's own secret, but to demo's number (1234567890): demo2 owns 2234567890.
    const foreign = whatsappWebhook('31633333334', {
      id: 'wamid.foreign',
      type: 'text',
      text: { body: 'hi' },
    });
    const answer = await postWhatsApp(stack.url, 'demo2', foreign, 'demo2-whatsapp-secret');
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({
      error: 'forbidden',
      message: 'phone_number_id is not a number of this tenant',
    });
    expect(await simLog()).toEqual([]);
    expect((await request(`${stack.url}/sim/state/demo2/wa:31633333334`)).status).toBe(404);
    // Its own number is taken.
    const own = whatsappWebhook(
      '31633333334',
      { id: 'wamid.own', type: 'text', text: { body: 'hi' } },
      '2234567890',
    );
    expect((await postWhatsApp(stack.url, 'demo2', own, 'demo2-whatsapp-secret')).status).toBe(200);
  });

  test("the app's one callback URL (/v1/whatsapp) routes a body by its number, signed with that tenant's app secret", async () => {
    const body = whatsappWebhook(
      '31633333335',
      { id: 'wamid.shared', type: 'text', text: { body: 'hi' } },
      '2234567890',
    );
    const post = (secret: string) =>
      request(`${stack.url}/v1/whatsapp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(secret, body) },
        body,
      });
    expect((await post('demo-whatsapp-secret')).status).toBe(401);
    expect((await post('demo2-whatsapp-secret')).status).toBe(200);
    expect((await simLog()).map((entry) => [entry.system, entry.path])).toEqual([
      ['bot', '/sim/bot/demo2'],
      ['whatsapp', '/sim/whatsapp/v21.0/2234567890/messages'],
    ]);
    const handshake = await request(
      `${stack.url}/v1/whatsapp?hub.mode=subscribe&hub.verify_token=demo2-verify-token&hub.challenge=7`,
    );
    expect(handshake).toMatchObject({ status: 200, text: '7' });
  });

  test('a signed but malformed body → 400 naming the field, and nothing changes', async () => {
    const answer = await postWhatsApp(stack.url, 'demo', whatsappText('not-a-number', 'wamid.bad', 'hi'));
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      error: 'invalid_request',
      field: 'entry.0.changes.0.value.messages.0.from',
    });
    const notJson = await postWhatsApp(stack.url, 'demo', '{"object":');
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({ field: 'body' });
    expect(await simLog()).toEqual([]);
  });

  test("Meta's verification handshake echoes the challenge; a wrong token gets 403", async () => {
    const ok = await request(
      `${stack.url}/v1/demo/whatsapp?hub.mode=subscribe&hub.verify_token=demo-verify-token&hub.challenge=1158201444`,
    );
    expect(ok).toMatchObject({ status: 200, text: '1158201444' });
    const wrong = await request(
      `${stack.url}/v1/demo/whatsapp?hub.mode=subscribe&hub.verify_token=demo2-verify-token&hub.challenge=1`,
    );
    expect(wrong.status).toBe(403);
    const missing = await request(`${stack.url}/v1/demo/whatsapp?hub.mode=subscribe`);
    expect(missing.status).toBe(400);
  });

  test('an unknown tenant → 404', async () => {
    const answer = await postWhatsApp(stack.url, 'nobody', whatsappText('31655555555', 'wamid.x', 'hi'), 'x');
    expect(answer.status).toBe(404);
  });
});

describe('web chat', () => {
  test('a signed message reaches the bot and the answer is delivered to the web chat', async () => {
    const answer = await postWeb(stack.url, 'demo2', {
      conversationId: 'web-42',
      messageId: 'm-1',
      text: 'Hi from the web',
      pageUrl: 'https://shop.example/nl/help',
    });
    expect(answer.status).toBe(200);
    const log = await simLog();
    expect(log.map((entry) => [entry.system, entry.path])).toEqual([
      ['bot', '/sim/bot/demo2'],
      ['web', '/sim/web/demo2'],
    ]);
    expect(log[1]?.body).toEqual({ conversationId: 'web-42', text: 'echo: Hi from the web' });
    expect((await simLog('?conversationId=web-42')).length).toBe(2);
  });

  test('the simulated web chat, bot and desk check signatures as the README documents them: 401 without, with a wrong one or a stale one', async () => {
    const body = JSON.stringify({ conversationId: 'web-sig', text: 'x' });
    const cases: Array<[string, Record<string, string>, number]> = [
      ['unsigned', {}, 401],
      ['wrong secret', signatureHeaders('not-the-secret', body), 401],
      ['stale', signatureHeaders('demo2-web-secret', body, Date.now() - 301_000), 401],
      ['signed now', signatureHeaders('demo2-web-secret', body), 200],
    ];
    for (const [, headers, status] of cases) {
      const answer = await request(`${stack.url}/sim/web/demo2`, { method: 'POST', headers, body });
      expect(answer.status).toBe(status);
    }
    const desk = (path: string, secret: string) =>
      request(`${stack.url}${path}`, { method: 'POST', headers: signatureHeaders(secret, '{}'), body: '{}' });
    expect((await desk('/sim/agent-webhook/demo2', 'demo2-desk-secret')).status).toBe(200);
    expect((await desk('/sim/agent-webhook/demo2/sales', 'demo2-desk-secret')).status).toBe(401);
    expect((await desk('/sim/agent-webhook/demo2/sales', 'demo2-sales-desk-secret')).status).toBe(200);
  });

  test('a message with neither text nor payload → 400 naming text', async () => {
    const answer = await postWeb(stack.url, 'demo', { conversationId: 'web-43', messageId: 'm-1' });
    expect(answer).toMatchObject({ status: 400, json: { field: 'text' } });
    expect((await request(`${stack.url}/sim/state/demo/web-43`)).status).toBe(404);
  });

  test("a web chat may not use WhatsApp's conversation namespace, nor write into a WhatsApp conversation", async () => {
    await postWhatsApp(stack.url, 'demo', whatsappText('31688888888', 'wamid.ns-1', 'hello'));
    await stack.settle();
    const answer = await postWeb(stack.url, 'demo', {
      conversationId: 'wa:31688888888',
      messageId: 'm-1',
      text: 'hi',
    });
    expect(answer).toMatchObject({ status: 400, json: { field: 'conversationId' } });
    const pushed = await postSigned(
      `${stack.url}/v1/demo/answers`,
      JSON.stringify({ conversationId: 'wa:31688888888', answerId: 'a-big', text: 'x'.repeat(5000) }),
      'demo-bot-secret',
    );
    expect(pushed).toMatchObject({ status: 400, json: { field: 'text' } });
  });

  test('a body over the size limit is refused before parsing', async () => {
    const answer = await postWeb(stack.url, 'demo', {
      conversationId: 'web-44',
      messageId: 'm-1',
      text: 'x'.repeat(300 * 1024),
    });
    expect(answer.status).toBe(413);
  });
});

describe('bot answers and failures', () => {
  test('an answer pushed to /answers is delivered like a synchronous one; unknown conversation → 404', async () => {
    await postWeb(stack.url, 'demo', { conversationId: 'web-async', messageId: 'm-1', text: 'start' });
    await stack.settle();
    const push = JSON.stringify({ conversationId: 'web-async', answerId: 'a-77', text: 'Later answer' });
    expect((await postSigned(`${stack.url}/v1/demo/answers`, push, 'demo-bot-secret')).status).toBe(200);
    expect((await postSigned(`${stack.url}/v1/demo/answers`, push, 'demo-web-secret')).status).toBe(401);
    const unknown = JSON.stringify({ conversationId: 'web-never', answerId: 'a-1', text: 'x' });
    expect((await postSigned(`${stack.url}/v1/demo/answers`, unknown, 'demo-bot-secret')).status).toBe(404);
    const web = await simLog('?system=web');
    expect(web.map((entry) => entry.body)).toEqual([
      { conversationId: 'web-async', text: 'echo: start' },
      { conversationId: 'web-async', text: 'Later answer' },
    ]);
  });

  test('a failing bot is retried, then dead-lettered, and the webhook was still acknowledged', async () => {
    await request(`${stack.url}/sim/bot`, { method: 'POST', body: JSON.stringify({ mode: 'error' }) });
    const before = stack.bus.deadLetters.length;
    expect(
      (await postWeb(stack.url, 'demo', { conversationId: 'web-down', messageId: 'm-1', text: 'hello?' }))
        .status,
    ).toBe(200);
    const log = await simLog();
    expect(log.map((entry) => entry.system)).toEqual(['bot', 'bot', 'bot']);
    // Dead-lettered on the conversation by the conveyor, not by the bus: the next message goes on.
    expect(stack.bus.deadLetters.slice(before)).toEqual([]);
    expect(stack.streamFailures()).toEqual([]);
    const state = await request(`${stack.url}/sim/state/demo/web-down`);
    expect(state.json).toMatchObject({
      waiting: 0,
      deadLetters: [{ messageId: 'm-1', route: 'bot', reason: 'bot:status:503' }],
    });
  });

  test('a channel that recovers gets the retried delivery once, and the bot is not asked again', async () => {
    await request(`${stack.url}/sim/channel`, { method: 'POST', body: JSON.stringify({ mode: 'error' }) });
    const before = stack.bus.deadLetters.length;
    await postWeb(stack.url, 'demo', { conversationId: 'web-flaky', messageId: 'm-1', text: 'one' });
    // The conveyor's own send failed, so the answer went on as an event; the channel comes back while
    // the bus retries it (its first attempt may fail too, depending on how soon that runs).
    await eventually(async () =>
      (await request(`${stack.url}/sim/log?system=web`)).text.includes('echo: one') ? true : undefined,
    );
    await request(`${stack.url}/sim/channel`, { method: 'POST', body: JSON.stringify({ mode: 'ok' }) });
    const log = await simLog();
    expect(log.map((entry) => entry.system).filter((system) => system === 'bot')).toEqual(['bot']);
    const web = log.filter((entry) => entry.system === 'web');
    expect(web.length).toBeGreaterThanOrEqual(2);
    // Failures until the channel came back, then the one delivery that went through, and no more.
    expect(web.map((entry) => entry.outcome)).toEqual([...web.slice(0, -1).map(() => 503), 200]);
    expect(stack.bus.deadLetters.length).toBe(before);
  });
});

test('no personal data in the log: phone numbers and texts sent above never appear', () => {
  const all = JSON.stringify(logs);
  for (const secret of [
    '31611111111',
    '31612345678',
    'Hello there',
    'Hi from the web',
    'web-42',
    'Later answer',
  ]) {
    expect(all).not.toContain(secret);
  }
  // Nor a WhatsApp message id, which holds the number too (base64), nor an event id made from one.
  expect(all).not.toContain('wamid.');
  expect(all).not.toContain(SLICE_WAMID.slice('wamid.'.length));
  expect(all).not.toContain('31699999999');
  expect(logs.length).toBeGreaterThan(10);
});
