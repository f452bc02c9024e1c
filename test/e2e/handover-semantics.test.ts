/**
 * What the best handover systems do (issue 16), end to end over the local stack: a status event to
 * the bot for every step of a handover, the agent's parting summary and variables handed on, the
 * tenant's intake timeout, business hours, and a desk that must claim: waiting messages, queue
 * positions, a late claim, and no claim (withdrawn).
 *
 * demo2 (generic desk, live on its claim) gets a 2-minute intake timeout, 3 minutes to claim and a
 * waiting message every minute; demo gets business hours
 * that are closed today and tomorrow (holidays) and open round the clock otherwise; demo3 turns the
 * status events off.
 */
import { localTime } from '../../shared/domain/business-hours';
import { flowOnLocalStack } from '../support/flow';
import { postSigned, postWeb } from '../support/http';

const DAY_MS = 24 * 3600_000;
const ZONE = 'Europe/Amsterdam';
const today = localTime(ZONE, Date.now()).date;
const tomorrow = localTime(ZONE, Date.now() + DAY_MS).date;
const ALL_DAY = ['00:00-24:00'];

const local = flowOnLocalStack({
  tenantOverrides: {
    demo: {
      businessHours: {
        timeZone: ZONE,
        weekly: {
          mon: ALL_DAY,
          tue: ALL_DAY,
          wed: ALL_DAY,
          thu: ALL_DAY,
          fri: ALL_DAY,
          sat: ALL_DAY,
          sun: ALL_DAY,
        },
        holidays: [today, tomorrow],
      },
    },
    demo2: {
      desk: { pickupMinutes: 3, waitingEveryMinutes: 1 },
      intake: {
        questions: [{ id: 'email', type: 'email', prompt: 'Your email?', reask: 'Again?' }],
        timeoutMinutes: 2,
      },
    },
    demo3: { bot: { statusEvents: false } },
  },
});

const names = async (conversationId: string) =>
  (await local.flow.botEvents(conversationId)).map((event) => event.event);

test('every step of a handover reaches the bot, signed, once, with the handover id and agentStatus; the end hands on the summary and variables', async () => {
  const { flow } = local;
  await flow.web('demo2', 'w-status', { text: 'hello' });
  await flow.web('demo2', 'w-status', { text: 'I need an agent' });
  await flow.web('demo2', 'w-status', { text: 'ada@example.com' });
  expect((await flow.state('demo2', 'w-status')).phase).toBe('agent');
  const end = await flow.agent('demo2', 'w-status', 'end', {
    summary: 'Refund approved for order 1234',
    variables: { orderId: '1234', resolution: 'refund' },
  });
  expect(end.status).toBe(202);
  await flow.web('demo2', 'w-status', { payload: 'LIVECHAT_SESSION_END' });
  expect((await flow.state('demo2', 'w-status')).phase).toBe('bot');

  const events = await flow.botEvents('w-status');
  const handoverId = events[0]?.handoverId;
  expect(handoverId).toEqual(expect.any(String));
  expect(events).toEqual([
    {
      tenantId: 'demo2',
      conversationId: 'w-status',
      eventId: `handover.requested:${handoverId}`,
      event: 'handover.requested',
      handoverId,
    },
    {
      tenantId: 'demo2',
      conversationId: 'w-status',
      eventId: `handover.accepted:${handoverId}`,
      event: 'handover.accepted',
      handoverId,
      agentStatus: 'online',
    },
    {
      tenantId: 'demo2',
      conversationId: 'w-status',
      eventId: `handover.claimed:${handoverId}`,
      event: 'handover.claimed',
      handoverId,
      agentStatus: 'online',
    },
    {
      tenantId: 'demo2',
      conversationId: 'w-status',
      eventId: `session.ended:${handoverId}`,
      event: 'session.ended',
      handoverId,
      agentStatus: 'online',
      by: 'user',
      payload: 'LIVECHAT_SESSION_END',
      summary: 'Refund approved for order 1234',
      variables: { orderId: '1234', resolution: 'refund' },
    },
  ]);
  // Every request to the bot, its events URL, the web chat and the desk was signed as documented:
  // the simulators answer 401 to a missing, wrong or stale signature.
  const signed = ['bot', 'bot-events', 'web', 'agent-webhook'] as const;
  for (const system of signed) {
    const entries = await flow.log({ system, conversationId: 'w-status' });
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((entry) => entry.outcome === 401)).toEqual([]);
  }

  // The next handover starts without the last one's summary.
  await flow.web('demo2', 'w-status', { text: 'agent please' });
  await flow.web('demo2', 'w-status', { text: 'ada@example.com' });
  await flow.web('demo2', 'w-status', { payload: 'LIVECHAT_SESSION_END' });
  const last = (await flow.botEvents('w-status')).at(-1);
  expect(last).toMatchObject({ event: 'session.ended', by: 'user' });
  expect(last).not.toHaveProperty('summary');
});

test('an end call with variables that are not strings, or too many, is refused and changes nothing', async () => {
  const { flow } = local;
  await flow.web('demo2', 'w-bad-end', { text: 'I need an agent' });
  await flow.web('demo2', 'w-bad-end', { text: 'ada@example.com' });
  const sentBefore = (await flow.userTexts('w-bad-end')).length;
  const nested = await flow.agent('demo2', 'w-bad-end', 'end', {
    variables: { order: { id: 1 } } as unknown as Record<string, string>,
  });
  expect(nested.status).toBe(400);
  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`v${i}`, 'x']));
  expect((await flow.agent('demo2', 'w-bad-end', 'end', { variables: many })).status).toBe(400);
  expect((await flow.userTexts('w-bad-end')).length).toBe(sentBefore);
  expect((await flow.state('demo2', 'w-bad-end')).phase).toBe('agent');
});

test('no agents, a cancelled intake, too many invalid answers and a desk that refuses: each is its own event', async () => {
  const { flow } = local;
  await flow.mode('presence', 'offline');
  await flow.web('demo2', 'w-offline', { text: 'I need an agent' });
  expect(await flow.botEvents('w-offline')).toMatchObject([
    { event: 'handover.requested' },
    { event: 'handover.offline', agentStatus: 'offline' },
  ]);
  await flow.mode('presence', 'online');
  // Past the presence answer's cache (10 s).
  local.stack.clock.advance(11_000);

  await flow.web('demo2', 'w-cancel', { text: 'I need an agent' });
  await flow.web('demo2', 'w-cancel', { text: 'cancel' });
  expect((await flow.botEvents('w-cancel')).at(-1)).toMatchObject({
    event: 'intake.abandoned',
    reason: 'cancelled',
    agentStatus: 'online',
  });
  expect((await flow.botEvents('w-cancel')).at(-1)).not.toHaveProperty('payload');

  await flow.web('demo2', 'w-invalid', { text: 'I need an agent' });
  for (const text of ['no', 'still no', 'nope']) await flow.web('demo2', 'w-invalid', { text });
  expect((await flow.botEvents('w-invalid')).at(-1)).toMatchObject({
    event: 'intake.abandoned',
    reason: 'too_many_invalid',
  });

  await flow.mode('msc', 'reject');
  await flow.web('demo2', 'w-refused', { text: 'I need an agent' });
  await flow.web('demo2', 'w-refused', { text: 'ada@example.com' });
  expect((await flow.state('demo2', 'w-refused')).phase).toBe('bot');
  expect((await flow.botEvents('w-refused')).at(-1)).toMatchObject({
    event: 'handover.failed',
    stage: 'desk:status',
    agentStatus: 'online',
  });
});

test("the tenant's intake timeout: the user is told the intake timed out, and the bot gets the event", async () => {
  const { flow, stack } = local;
  await flow.web('demo2', 'w-silent', { text: 'I need an agent' });
  expect((await flow.state('demo2', 'w-silent')).phase).toBe('intake');
  stack.clock.advance(2 * 60_000 - 5_000);
  await stack.runSchedules();
  expect((await flow.state('demo2', 'w-silent')).phase).toBe('intake');

  stack.clock.advance(10_000);
  await stack.runSchedules();
  await stack.settle();
  expect((await flow.state('demo2', 'w-silent')).phase).toBe('bot');
  expect((await flow.userTexts('w-silent')).at(-1)).toBe(
    'I did not hear back from you, so the request for an agent is closed. You can keep chatting with me.',
  );
  // Baton ran this intake: CM.com's LIVECHAT_INTAKE_TIMEOUT is for a bot-run prechat dialog.
  const last = (await flow.botEvents('w-silent')).at(-1);
  expect(last).toMatchObject({ event: 'intake.abandoned', reason: 'timeout' });
  expect(last).not.toHaveProperty('payload');
});

test('business hours: closed (a holiday), the offline path with its own message and no presence call; open the day after tomorrow', async () => {
  const { flow, stack } = local;
  await flow.web('demo', 'w-hours', { text: 'I need an agent' });
  expect(await flow.state('demo', 'w-hours')).toMatchObject({ phase: 'bot', agentStatus: 'offline' });
  expect((await flow.userTexts('w-hours')).at(-1)).toBe(
    'Our agents are not available at this hour. You can keep chatting with me.',
  );
  expect(await flow.log({ system: 'presence' })).toEqual([]);
  expect(await names('w-hours')).toEqual(['handover.requested', 'handover.closed']);

  stack.clock.advance(2 * DAY_MS);
  await flow.web('demo', 'w-hours', { text: 'I need an agent' });
  expect((await flow.state('demo', 'w-hours')).phase).toBe('intake');
  expect((await flow.log({ system: 'presence' })).length).toBe(1);
});

test('statusEvents false: the bot gets only the events of CM.com’s flow', async () => {
  const { flow } = local;
  await flow.mode('presence', 'offline');
  await flow.web('demo3', 'w-quiet', { text: 'hello' });
  await flow.pushAnswer('demo3', {
    conversationId: 'w-quiet',
    answerId: 'a-quiet',
    text: 'Let me get you an agent.',
    outputAdditions: { livechat: true },
  });
  expect((await flow.state('demo3', 'w-quiet')).agentStatus).toBe('offline');
  expect(await flow.botEvents('w-quiet')).toEqual([]);
});

const WAITING = 'Thanks for waiting. An agent will be with you as soon as one is free.';
const PICKUP_TIMED_OUT = 'Sorry, no agent could take your chat in time. You can keep chatting with me.';

/** A demo2 conversation handed to a desk that does not claim (mode never): pending. */
async function pendingHandover(conversationId: string): Promise<void> {
  const { flow } = local;
  await flow.mode('desk', 'never');
  await flow.web('demo2', conversationId, { text: 'I need an agent' });
  await flow.web('demo2', conversationId, { text: 'ada@example.com' });
  expect((await flow.state('demo2', conversationId)).phase).toBe('handing_over');
  expect(await names(conversationId)).toEqual(['handover.requested', 'handover.accepted']);
}

test('no claim by the pickup deadline: waiting messages and the queue position meanwhile, then withdrawn; the desk is told and the bot has the conversation again', async () => {
  const { flow, stack } = local;
  await pendingHandover('w-pending');
  const told = (await flow.userTexts('w-pending')).length;
  // The user writes while the desk has not claimed: the message waits for whoever owns it next.
  await flow.web('demo2', 'w-pending', { text: 'hello? anyone?' });
  expect((await flow.log({ system: 'bot', conversationId: 'w-pending' })).length).toBe(1);
  expect(await flow.log({ system: 'agent-webhook', conversationId: 'w-pending' })).toHaveLength(1);

  stack.clock.advance(61_000);
  await stack.runSchedules();
  await stack.settle();
  expect((await flow.userTexts('w-pending')).slice(told)).toEqual([WAITING]);

  // The desk reports a place in its queue: told at once; the same place again is not told twice.
  expect((await flow.agent('demo2', 'w-pending', 'queue', { position: 4 })).status).toBe(202);
  expect((await flow.agent('demo2', 'w-pending', 'queue', { position: 4 })).status).toBe(202);
  expect((await flow.agent('demo2', 'w-pending', 'queue', { position: 0 })).status).toBe(400);
  stack.clock.advance(61_000);
  await stack.runSchedules();
  await stack.settle();
  expect((await flow.userTexts('w-pending')).slice(told)).toEqual([
    WAITING,
    'Thanks for waiting. You are number 4 in the queue.',
    'Thanks for waiting. You are number 4 in the queue.',
  ]);

  // Three minutes after the desk was asked: withdrawn.
  stack.clock.advance(61_000);
  await stack.runSchedules();
  await stack.settle();
  expect((await flow.state('demo2', 'w-pending')).phase).toBe('bot');
  const after = (await flow.userTexts('w-pending')).slice(told + 3);
  // The withdrawal is told first; then the waiting message reaches its owner now, the bot.
  expect(after).toEqual([PICKUP_TIMED_OUT, 'echo: hello? anyone?']);
  const desk = await flow.log({ system: 'agent-webhook', conversationId: 'w-pending' });
  expect(desk.at(-1)?.body).toMatchObject({
    event: 'handover_withdrawn',
    sessionId: 'w-pending',
    reason: 'pickup_timeout',
  });
  expect((await flow.botEvents('w-pending')).at(-1)).toMatchObject({
    event: 'handover.withdrawn',
    agentStatus: 'online',
  });
  // A claim after the withdrawal is refused: the user was told nobody took the chat.
  expect((await flow.agent('demo2', 'w-pending', 'claim')).status).toBe(409);
  expect((await flow.agent('demo2', 'w-pending', 'queue', { position: 1 })).status).toBe(409);
  expect(stack.metrics.points.filter((point) => point.name === 'HandoverWithdrawn')).toHaveLength(1);
});

test('a late claim within the deadline: live from the claim, the waiting message goes to the desk, the bot hears claimed', async () => {
  const { flow, stack } = local;
  await pendingHandover('w-late');
  await flow.web('demo2', 'w-late', { text: 'still waiting' });
  stack.clock.advance(61_000);
  await stack.runSchedules();
  await stack.settle();
  expect((await flow.userTexts('w-late')).at(-1)).toBe(WAITING);

  const claimed = await flow.agent('demo2', 'w-late', 'claim');
  expect(claimed.status).toBe(200);
  expect(claimed.json).toEqual({ status: 'claimed' });
  expect((await flow.state('demo2', 'w-late')).phase).toBe('agent');
  expect((await flow.userTexts('w-late')).at(-1)).toBe('An agent will be with you shortly.');
  const toDesk = await flow.log({ system: 'agent-webhook', conversationId: 'w-late' });
  expect(toDesk.at(-1)?.body).toMatchObject({ event: 'message', message: 'still waiting' });
  expect(await names('w-late')).toEqual(['handover.requested', 'handover.accepted', 'handover.claimed']);

  // No more waiting messages once live, and no withdrawal at the old deadline.
  const told = (await flow.userTexts('w-late')).length;
  stack.clock.advance(5 * 60_000);
  await stack.runSchedules();
  await stack.settle();
  expect((await flow.state('demo2', 'w-late')).phase).toBe('agent');
  expect((await flow.userTexts('w-late')).length).toBe(told);
});

/** A pushed answer, signed as the bot signs it; the stack is not settled after it. */
const push = (tenant: string, answer: Record<string, unknown>) =>
  postSigned(`${local.stack.url}/v1/${tenant}/answers`, JSON.stringify(answer), `${tenant}-bot-secret`);

test('answers pushed before a handover began reach the user before its notices, in the order pushed', async () => {
  const { flow, stack } = local;
  await flow.web('demo2', 'w-order', { text: 'hello' });
  // Five answers pushed back to back, then the user asks for an agent before anything settled.
  for (let i = 1; i <= 5; i += 1) {
    const pushed = await push('demo2', {
      conversationId: 'w-order',
      answerId: `o-${i}`,
      text: `answer ${i}`,
    });
    expect(pushed.status).toBe(200);
  }
  await postWeb(stack.url, 'demo2', {
    conversationId: 'w-order',
    messageId: 'w-order-start',
    payload: 'LIVECHAT_SESSION_START',
  });
  await stack.settle();
  expect((await flow.state('demo2', 'w-order')).phase).toBe('intake');
  expect((await flow.userTexts('w-order')).slice(1)).toEqual([
    'answer 1',
    'answer 2',
    'answer 3',
    'answer 4',
    'answer 5',
    'Your email?',
  ]);
});

test('a pushed answer sent again (the bot retried) reaches the user once; its handover request starts one handover', async () => {
  const { flow, stack } = local;
  await flow.web('demo2', 'w-push-twice', { text: 'hello' });
  const answer = {
    conversationId: 'w-push-twice',
    answerId: 'twice-1',
    text: 'Let me get you an agent',
    outputAdditions: { livechat: true },
  };
  const answers = await Promise.all([push('demo2', answer), push('demo2', answer), push('demo2', answer)]);
  expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
  await stack.settle();
  expect((await flow.userTexts('w-push-twice')).slice(1)).toEqual(['Let me get you an agent', 'Your email?']);
  expect(await names('w-push-twice')).toEqual(['handover.requested']);
  // For a conversation Baton never saw: 404, nothing written.
  expect((await push('demo2', { ...answer, conversationId: 'w-never-seen' })).status).toBe(404);
});
