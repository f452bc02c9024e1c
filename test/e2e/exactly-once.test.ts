/**
 * Exactly-once effects through the real handlers: the same webhook delivered 50 times (one after
 * another and all at once), and 100 concurrent handover requests and user messages for one
 * conversation, each end with one effect per cause.
 */
import type { LocalStack } from '../../infra/local/stack';
import { Flow } from '../support/flow';
import { postSigned, postWhatsApp, request, whatsappText } from '../support/http';
import { startTestStack } from '../support/local-stack';

let stack: LocalStack;
let flow: Flow;

beforeAll(async () => {
  ({ stack } = await startTestStack());
  flow = new Flow(stack);
});
afterAll(() => stack.stop());
beforeEach(() => flow.reset());

test('one WhatsApp webhook delivered 50 times in a row and 50 times at once: one bot call, one handover, one answer', async () => {
  const body = whatsappText('31600000050', 'wamid.dup-50', 'I want an agent');
  for (let i = 0; i < 50; i += 1) expect((await postWhatsApp(stack.url, 'demo', body)).status).toBe(200);
  const concurrent = await Promise.all(
    Array.from({ length: 50 }, () => postWhatsApp(stack.url, 'demo', body)),
  );
  expect(concurrent.every((answer) => answer.status === 200)).toBe(true);
  await stack.settle();
  const systems = await flow.systems('wa:31600000050');
  expect(systems.filter((system) => system === 'bot')).toHaveLength(1);
  expect(await flow.userTexts('wa:31600000050')).toEqual([
    'echo: I want an agent',
    'Before I connect you: what is your name?',
  ]);
  expect(await flow.log({ system: 'presence' })).toHaveLength(1);
  expect(stack.metrics.points.filter((point) => point.name === 'HandoverRequested')).toHaveLength(1);
});

test('100 concurrent handover requests and user messages for one conversation: one presence check, one intake, one routing mutation', async () => {
  stack.metrics.points.length = 0;
  await flow.web('demo', 'w-storm', { text: 'hello' });
  const answers = Array.from({ length: 50 }, (_, i) =>
    postSigned(
      `${stack.url}/v1/demo/answers`,
      JSON.stringify({
        conversationId: 'w-storm',
        answerId: `storm-${i}`,
        outputAdditions: { livechat: true, skill: 'support' },
      }),
      'demo-bot-secret',
    ),
  );
  const starts = Array.from({ length: 50 }, (_, i) =>
    postSigned(
      `${stack.url}/v1/demo/web`,
      JSON.stringify({
        conversationId: 'w-storm',
        messageId: `start-${i}`,
        payload: 'LIVECHAT_SESSION_START',
      }),
      'demo-web-secret',
    ),
  );
  const results = await Promise.all([...answers, ...starts]);
  expect(results.every((answer) => answer.status === 200)).toBe(true);
  await stack.settle();
  expect(await flow.log({ system: 'presence' })).toHaveLength(1);
  expect(
    (await flow.userTexts('w-storm')).filter((text) => text === 'Before I connect you: what is your name?'),
  ).toHaveLength(1);
  expect(stack.metrics.points.filter((point) => point.name === 'HandoverRequested')).toHaveLength(1);
  await flow.web('demo', 'w-storm', { text: 'Ada Lovelace' });
  await flow.web('demo', 'w-storm', { text: 'ada@example.com' });
  const mutations = (await flow.log({ system: 'msc' })).filter((entry) =>
    entry.path.endsWith('/mutationrequests'),
  );
  expect(mutations).toHaveLength(1);
  expect((await flow.state('demo', 'w-storm')).phase).toBe('agent');
}, 60_000);

test('a replayed signed webhook after the conversation moved on changes nothing', async () => {
  const first = whatsappText('31600000051', 'wamid.replay-1', 'I want an agent');
  await postWhatsApp(stack.url, 'demo', first);
  await stack.settle();
  await flow.whatsapp('demo', '31600000051', { text: 'Ada' });
  const before = await flow.state('demo', 'wa:31600000051');
  const logBefore = (await flow.log()).length;
  expect((await postWhatsApp(stack.url, 'demo', first)).status).toBe(200);
  await stack.settle();
  expect(await flow.state('demo', 'wa:31600000051')).toEqual(before);
  expect((await flow.log()).length).toBe(logBefore);
});

test("one tenant's credentials never reach another tenant's conversation", async () => {
  await flow.web('demo', 'w-tenant-a', { text: 'I want an agent' });
  await flow.web('demo', 'w-tenant-a', { text: 'Ada' });
  await flow.web('demo', 'w-tenant-a', { text: 'ada@example.com' });
  // demo2's agent token on demo's conversation, and demo's conversation id under demo2's routes.
  const crossToken = await request(`${stack.url}/v1/demo/agent/conversations/w-tenant-a/messages`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo2-agent-token' },
    body: JSON.stringify({ text: 'hijack' }),
  });
  expect(crossToken.status).toBe(401);
  const crossTenant = await request(`${stack.url}/v1/demo2/agent/conversations/w-tenant-a/messages`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo2-agent-token' },
    body: JSON.stringify({ text: 'hijack' }),
  });
  expect(crossTenant.status).toBe(404);
  const crossAnswer = await postSigned(
    `${stack.url}/v1/demo2/answers`,
    JSON.stringify({ conversationId: 'w-tenant-a', answerId: 'x-1', text: 'hijack' }),
    'demo2-bot-secret',
  );
  expect(crossAnswer.status).toBe(404);
  await stack.settle();
  expect(JSON.stringify(await flow.log())).not.toContain('hijack');
  expect((await flow.state('demo', 'w-tenant-a')).phase).toBe('agent');
});
