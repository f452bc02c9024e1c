/**
 * The prechat dialog run by the bot (`intake.by: "bot"`, tenant demo3: MSC through CM.com's router),
 * end to end over the local stack: the prechat event with agentStatus, the bot's dialog through the
 * usual path, its answer with `livechatIntakeComplete` and `customerInfo`, the hand-over mutation
 * with that customer info; a cancel, a bot that cannot be reached, and a dialog that never ends.
 */
import { flowOnLocalStack } from '../support/flow';

const local = flowOnLocalStack();

const MUTATIONS = '/routing/mutationrequests';

test('the bot gets the prechat event, runs its dialog, and its completing answer hands over with the customer info', async () => {
  await local.flow.web('demo3', 'w-bi', { text: 'I need an agent', pageUrl: 'https://shop.example/help' });
  expect(await local.flow.state('demo3', 'w-bi')).toMatchObject({ phase: 'intake', agentStatus: 'online' });
  const [, prechat, ...more] = (await local.flow.log({ system: 'bot' })).map((entry) => entry.body);
  expect(more).toEqual([]);
  expect(prechat).toEqual({
    tenantId: 'demo3',
    conversationId: 'w-bi',
    channel: 'web',
    messageId: expect.stringMatching(/^prechat:/),
    event: 'prechat',
    context: { agentStatus: 'online' },
  });
  // No question of Baton's: the bot's dialog talks to the user.
  expect(await local.flow.userTexts('w-bi')).toEqual([
    'echo: I need an agent',
    'Prechat: what is your email address?',
  ]);

  await local.flow.web('demo3', 'w-bi', { text: 'ada@example.com' });
  expect((await local.flow.log({ system: 'bot' })).at(-1)?.body).toMatchObject({ text: 'ada@example.com' });
  expect(await local.flow.state('demo3', 'w-bi')).toMatchObject({
    phase: 'agent',
    intakeAnswers: { email: 'ada@example.com' },
  });
  expect((await local.flow.userTexts('w-bi')).slice(2)).toEqual([
    'Thanks, connecting you now.',
    'An agent will be with you shortly.',
  ]);
  const [mutation] = (await local.flow.log({ system: 'msc' })).filter((entry) =>
    entry.path.endsWith(MUTATIONS),
  );
  expect(mutation?.body).toMatchObject({
    Context: {
      RoutingKeywords: 'support',
      WebStoreReferrer: 'https://shop.example/help',
      CustomerInfo: JSON.stringify({ email: 'ada@example.com' }),
    },
  });

  // Live: the user's messages go to MSC through the router, never to the bot.
  const botCalls = (await local.flow.log({ system: 'bot' })).length;
  await local.flow.web('demo3', 'w-bi', { text: 'my order is late' });
  const twoWay = (await local.flow.log({ system: 'msc' })).filter((entry) => entry.path.includes('/twoway/'));
  expect(JSON.stringify(twoWay.at(-1)?.body)).toContain('my order is late');
  expect((await local.flow.log({ system: 'bot' })).length).toBe(botCalls);
  await local.flow.agent('demo3', 'w-bi', 'end');
  expect(await local.flow.state('demo3', 'w-bi')).toMatchObject({ phase: 'bot' });
  await local.flow.web('demo3', 'w-bi', { text: 'thanks' });
  expect((await local.flow.userTexts('w-bi')).at(-1)).toBe('echo: thanks');
  expect(JSON.stringify(local.logs)).not.toContain('ada@example.com');
});

test('a chat Baton hosts on the router: the same dialog, then the hosted hand-over with the customer info', async () => {
  await local.flow.routerUser('demo3', '31612340009', 'I need an agent');
  const { conversationId } = await local.flow.routerView('demo3', '31612340009');
  expect((await local.flow.log({ system: 'bot' })).at(-1)?.body).toMatchObject({
    conversationId,
    channel: 'router',
    event: 'prechat',
    context: { agentStatus: 'online' },
  });
  await local.flow.routerUser('demo3', '31612340009', 'ada@example.com');
  expect(await local.flow.state('demo3', conversationId)).toMatchObject({ phase: 'agent' });
  const [mutation] = (await local.flow.log({ system: 'msc' })).filter((entry) =>
    entry.path.endsWith(MUTATIONS),
  );
  expect(mutation?.body).toMatchObject({
    Mutations: [{ targetAdapterId: 'demo3-host-adapter' }, { targetAdapterId: 'demo3-msc-adapter' }],
    Context: { CustomerInfo: JSON.stringify({ email: 'ada@example.com' }) },
  });
  expect((await local.flow.routerView('demo3', '31612340009')).toUser).toEqual([
    'echo: I need an agent',
    'Prechat: what is your email address?',
    'Thanks, connecting you now.',
    'An agent will be with you shortly.',
  ]);
});

test('a bot that pushes its answers ends its dialog the same way', async () => {
  await local.flow.web('demo3', 'w-bi-push', { text: 'I need an agent' });
  const pushed = await local.flow.pushAnswer('demo3', {
    conversationId: 'w-bi-push',
    answerId: 'done-1',
    text: 'Thanks, one moment.',
    outputAdditions: { livechatIntakeComplete: 'true', customerInfo: JSON.stringify({ name: 'Grace' }) },
  });
  expect(pushed.status).toBe(200);
  expect(await local.flow.state('demo3', 'w-bi-push')).toMatchObject({
    phase: 'agent',
    intakeAnswers: { name: 'Grace' },
  });
  expect((await local.flow.userTexts('w-bi-push')).slice(-2)).toEqual([
    'Thanks, one moment.',
    'An agent will be with you shortly.',
  ]);
});

test("the bot may cancel its dialog: no handover, the user told, the bot's again", async () => {
  await local.flow.web('demo3', 'w-bi-cancel', { text: 'I need an agent' });
  await local.flow.web('demo3', 'w-bi-cancel', { text: 'never mind' });
  expect(await local.flow.state('demo3', 'w-bi-cancel')).toMatchObject({ phase: 'bot' });
  expect((await local.flow.userTexts('w-bi-cancel')).slice(-2)).toEqual([
    'Alright.',
    'No problem, the request for an agent is cancelled.',
  ]);
  expect((await local.flow.log({ system: 'msc' })).filter((entry) => entry.path.endsWith(MUTATIONS))).toEqual(
    [],
  );
});

test('a dialog that never ends is given up at the intake timeout: the user is told, the bot gets LIVECHAT_INTAKE_TIMEOUT', async () => {
  await local.flow.web('demo3', 'w-bi-silent', { text: 'I need an agent' });
  expect(await local.flow.state('demo3', 'w-bi-silent')).toMatchObject({ phase: 'intake' });
  local.stack.clock.advance(31 * 60_000);
  await local.stack.runSchedules();
  await local.stack.settle();
  expect(await local.flow.state('demo3', 'w-bi-silent')).toMatchObject({ phase: 'bot' });
  expect((await local.flow.userTexts('w-bi-silent')).at(-1)).toBe(
    'I did not hear back from you, so the request for an agent is closed. You can keep chatting with me.',
  );
  expect((await local.flow.botEvents('w-bi-silent')).at(-1)).toMatchObject({
    tenantId: 'demo3',
    event: 'intake.abandoned',
    reason: 'timeout',
    agentStatus: 'online',
    payload: 'LIVECHAT_INTAKE_TIMEOUT',
  });
});

test('a bot that cannot take the prechat event fails the handover; the user is told', async () => {
  await local.flow.web('demo3', 'w-bi-down', { text: 'hello' });
  await local.flow.mode('bot', 'error');
  // A pushed answer asks for the handover: the bot is down by the time the prechat event goes out.
  await local.flow.pushAnswer('demo3', {
    conversationId: 'w-bi-down',
    answerId: 'a-1',
    text: 'Let me find you an agent',
    outputAdditions: { livechat: true },
  });
  expect(await local.flow.state('demo3', 'w-bi-down')).toMatchObject({ phase: 'bot' });
  expect((await local.flow.userTexts('w-bi-down')).slice(-2)).toEqual([
    'Let me find you an agent',
    'Sorry, I could not reach an agent. You can keep chatting with me.',
  ]);
  // Tried three times, then given up.
  expect((await local.flow.log({ system: 'bot' })).filter((entry) => entry.outcome === 503)).toHaveLength(3);
});
