/**
 * Several desks per tenant, chosen by skill (issue 16), end to end over the local stack. demo2's
 * default desk goes live on its claim (the simulated desk claims at once); its `sales` desk, which
 * `skillRouting` sends the skill `sales` to, goes live on acceptance and has a presence of its own.
 * The simulated bot asks for skill `sales` when the user mentions sales, `support` otherwise.
 */
import { flowOnLocalStack } from '../support/flow';

const local = flowOnLocalStack();

const DEFAULT_DESK = '/sim/agent-webhook/demo2';
const SALES_DESK = '/sim/agent-webhook/demo2/sales';
const TRANSFERRING = 'I am passing you on to a colleague who can help with this. One moment, please.';

const deskCalls = async (conversationId: string) =>
  (await local.flow.log({ system: 'agent-webhook', conversationId })).map((entry) => ({
    path: entry.path,
    body: entry.body,
  }));

test("a handover for the skill sales: the sales desk's presence is asked, the handover, the user's messages and the end go to the sales desk", async () => {
  const { flow } = local;
  await flow.web('demo2', 'w-sales', { text: 'I need an agent for sales' });
  const presence = await flow.log({ system: 'presence', conversationId: 'w-sales' });
  expect(presence.map((entry) => entry.path.split('?')[0])).toEqual(['/sim/presence/webhook/demo2/sales']);
  await flow.web('demo2', 'w-sales', { text: 'ada@example.com' });
  expect((await flow.state('demo2', 'w-sales')).phase).toBe('agent');
  await flow.web('demo2', 'w-sales', { text: 'about my order' });
  await flow.agent('demo2', 'w-sales', 'end');
  await flow.web('demo2', 'w-sales', { payload: 'LIVECHAT_SESSION_END' });

  const calls = await deskCalls('w-sales');
  expect(calls.every((call) => call.path === SALES_DESK)).toBe(true);
  expect(calls.map((call) => call.body)).toEqual([
    expect.objectContaining({
      event: 'handover',
      extractedData: expect.objectContaining({ skill: 'sales' }),
    }),
    expect.objectContaining({ event: 'message', message: 'about my order' }),
    expect.objectContaining({ event: 'session_ended', reason: 'user' }),
  ]);
});

test('any other skill goes to the default desk, whose presence is the tenant’s', async () => {
  const { flow } = local;
  await flow.web('demo2', 'w-support', { text: 'I need an agent' });
  const presence = await flow.log({ system: 'presence', conversationId: 'w-support' });
  expect(presence.map((entry) => entry.path.split('?')[0])).toEqual(['/sim/presence/webhook/demo2']);
  await flow.web('demo2', 'w-support', { text: 'ada@example.com' });
  expect((await flow.state('demo2', 'w-support')).phase).toBe('agent');
  const calls = await deskCalls('w-support');
  expect(calls.map((call) => call.path)).toEqual([DEFAULT_DESK]);
});

test('the agent transfers a live chat to sales: the old desk hears it ended, the sales desk gets the handover with the intake answers, the user and the bot are told', async () => {
  const { flow } = local;
  await flow.web('demo2', 'w-transfer', { text: 'I need an agent' });
  await flow.web('demo2', 'w-transfer', { text: 'ada@example.com' });
  expect((await flow.state('demo2', 'w-transfer')).phase).toBe('agent');
  const [requested] = await flow.botEvents('w-transfer');
  const firstHandover = requested?.handoverId;

  const transfer = await flow.agent('demo2', 'w-transfer', 'transfer', { skill: 'sales' });
  expect(transfer.status).toBe(202);
  const { handoverId } = transfer.json as { handoverId: string };
  expect(handoverId).not.toBe(firstHandover);
  expect((await flow.state('demo2', 'w-transfer')).phase).toBe('agent');

  await flow.web('demo2', 'w-transfer', { text: 'still there?' });
  const calls = await deskCalls('w-transfer');
  // The relay tells the old desk while hand-over asks the new one: each desk's calls in order.
  expect(calls.filter((call) => call.path === DEFAULT_DESK).map((call) => call.body)).toEqual([
    expect.objectContaining({ event: 'handover', handoverId: firstHandover }),
    { event: 'session_ended', sessionId: 'w-transfer', reason: 'transferred' },
  ]);
  expect(calls.filter((call) => call.path === SALES_DESK).map((call) => call.body)).toEqual([
    expect.objectContaining({
      event: 'handover',
      handoverId,
      extractedData: expect.objectContaining({ email: 'ada@example.com', skill: 'sales' }),
    }),
    expect.objectContaining({ event: 'message', message: 'still there?' }),
  ]);
  expect(await flow.userTexts('w-transfer')).toContain(TRANSFERRING);
  expect(await flow.botEvents('w-transfer')).toContainEqual(
    expect.objectContaining({
      event: 'handover.transferred',
      handoverId: firstHandover,
      toHandoverId: handoverId,
      skill: 'sales',
    }),
  );
  // The old desk's agent cannot transfer again, nor to the skill the chat has now.
  expect((await flow.agent('demo2', 'w-transfer', 'transfer', { skill: 'sales' })).json).toMatchObject({
    error: 'same_skill',
  });
});

test('a transfer is refused for a chat no agent has, and for a body without a skill', async () => {
  const { flow } = local;
  await flow.web('demo2', 'w-no-transfer', { text: 'hello' });
  expect((await flow.agent('demo2', 'w-no-transfer', 'transfer', { skill: 'sales' })).status).toBe(409);
  expect((await flow.agent('demo2', 'w-no-transfer', 'transfer', {})).status).toBe(400);
  expect((await flow.agent('demo2', 'w-unknown', 'transfer', { skill: 'sales' })).status).toBe(404);
  expect((await flow.state('demo2', 'w-no-transfer')).phase).toBe('bot');
});

test('the desk a chat is transferred to refuses it: a failed handover, the user is told and the bot has the conversation again', async () => {
  const { flow } = local;
  await flow.web('demo2', 'w-refused', { text: 'I need an agent' });
  await flow.web('demo2', 'w-refused', { text: 'ada@example.com' });
  expect((await flow.state('demo2', 'w-refused')).phase).toBe('agent');
  await flow.mode('msc', 'reject');
  const transfer = await flow.agent('demo2', 'w-refused', 'transfer', { skill: 'sales' });
  const { handoverId } = transfer.json as { handoverId: string };
  expect((await flow.state('demo2', 'w-refused')).phase).toBe('bot');
  const texts = await flow.userTexts('w-refused');
  expect(texts.slice(-2)).toEqual([
    TRANSFERRING,
    'Sorry, I could not reach an agent. You can keep chatting with me.',
  ]);
  expect(await flow.botEvents('w-refused')).toContainEqual(
    expect.objectContaining({ event: 'handover.failed', handoverId, stage: 'desk:status' }),
  );
});
