/**
 * handOver on DynamoDB Local, against a real MSC / webhook desk and Web Conversations on 127.0.0.1;
 * the events its writes cause come out through the real conveyor (`convey`).
 */

import * as z from 'zod';
import { claim } from '../../../functions/agent-api/agent-api';
import { DEFAULT_DESK } from '../../../functions/agent-api/desk-token';
import { expireSessions } from '../../../functions/expire-sessions/expire-sessions';
import { DESK_ATTEMPTS, handOver } from '../../../functions/hand-over/hand-over';
import { routerChatId } from '../../../shared/clients/cm-router';
import { type Conversation, STEP_TIMEOUT_MS } from '../../../shared/domain/conversation';
import { conversationRef } from '../../../shared/log/logger';
import { signatureOf } from '../../support/signed';
import { jsonBody, type Mode, type OutsideServer, webTexts } from './outside-server';
import { useRigWithOutside } from './rig-with-outside';
import {
  byRef,
  handoverIdOf,
  LOCK_MS,
  OUTSIDE_TIMEOUT_MS,
  SECRETS,
  seed,
  T0,
  type TestRig,
  uniqueId,
  WHATSAPP_USER,
} from './runtime';

const setup = useRigWithOutside('use-handover');
let outside: OutsideServer;
let rig: TestRig;
beforeAll(() => {
  ({ rig, outside } = setup);
});

const convey = () => setup.conveyor.convey();

const answers = { name: 'Ada King Lovelace', email: 'ada@example.com', topic: 'Billing' };

/** CM.com's "Routing Control" mutation request, as its page documents it. */
const mscMutation = z
  .object({
    ChatId: z.string(),
    Mutations: z.array(
      z
        .object({
          $type: z.literal('ruleMutation'),
          action: z.enum(['Enable', 'Disable']),
          operator: z.enum(['And', 'Or']),
          sourceAdapterId: z.string(),
          targetAdapterId: z.string(),
        })
        .strict(),
    ),
    Context: z
      .object({ RoutingKeywords: z.string(), WebStoreReferrer: z.string(), CustomerInfo: z.string() })
      .strict(),
  })
  .strict();

/** The hand-over's mutation requests (the TwoWay message opening the chat comes first). */
const mutations = () => outside.of('msc').filter((request) => request.path.endsWith('/mutationrequests'));

const webConversationsNotice = z.object({ conversationClientId: z.string() }).strict();

/** The IntakeCompleted event of a seeded conversation, as hand-over receives it. */
// No answers in it: hand-over reads them with the handover (the seeded conversation holds them).
const eventOf = (conversation: Conversation) => ({
  ...byRef(conversation.tenantId, conversation.conversationId),
  handoverId: handoverIdOf(conversation),
});

/** The mutation path of a conversation's chat: the id Baton builds when the router answers none. */
const mscPath = (conversationId: string, channel = 'WhatsApp') =>
  `/msc/conversational/control/v1/accounts/link-7/chats/${routerChatId(conversationId, 'acme', channel)}/routing/mutationrequests`;

async function whatsappHandingOver(): Promise<Conversation> {
  return seed(rig, 'handing_over', {
    conversationId: uniqueId('wa:3161'),
    channel: { type: 'whatsapp', ...WHATSAPP_USER },
    additions: { mscChannel: 'WhatsApp', mscWebstore: 'acme-store', skill: 'billing' },
    answers,
  });
}

test('MSC accepts → agent, lock until now + lockMinutes, SessionStarted and the user told; the routing mutation carries token, skill, web store and answers', async () => {
  const conversation = await whatsappHandingOver();
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);

  await handOver(rig.runtime, eventOf(conversation));
  await convey();

  // The router (the chat opened, then the hand-over), then the user told on WhatsApp and the bot.
  expect(outside.requests.map((request) => request.system)).toEqual(['msc', 'msc', 'whatsapp', 'bot-events']);
  const [opening, request] = outside.requests;
  const routerHeaders = { 'x-cm-producttoken': SECRETS.productToken, 'content-type': 'application/json' };
  expect(opening).toMatchObject({
    method: 'POST',
    path: '/msc/conversational/twoway/v1/accounts/link-7/adapters/baton-adapter',
    headers: routerHeaders,
  });
  expect(request).toMatchObject({ method: 'POST', path: mscPath(conversationId), headers: routerHeaders });
  expect(jsonBody(request, mscMutation)).toEqual({
    ChatId: routerChatId(conversationId, 'acme', 'WhatsApp'),
    Mutations: [
      {
        $type: 'ruleMutation',
        action: 'Enable',
        operator: 'And',
        sourceAdapterId: 'baton-adapter',
        targetAdapterId: 'msc-adapter',
      },
    ],
    Context: { RoutingKeywords: 'billing', WebStoreReferrer: 'acme-store', CustomerInfo: expect.any(String) },
  });
  // Context values are strings: the customer info is one JSON object in one.
  expect(JSON.parse(jsonBody(request, mscMutation).Context.CustomerInfo)).toEqual(answers);

  // Two writes: the desk marked asked (read in the same request), then the lock.
  expect(await rig.state('acme', conversationId)).toMatchObject({
    phase: 'agent',
    version: conversation.version + 2,
    handover: { id: handoverId, lockExpiresAt: T0 + LOCK_MS, deskAskedAt: T0 },
  });
  // The lock is in the sparse expiry index.
  expect(await rig.rawItem('acme', conversationId)).toMatchObject({ lockExpiresAt: T0 + LOCK_MS });
  expect(await rig.sweepIndex.findDueForSweep(T0 + LOCK_MS, 100)).toContainEqual({
    tenantId: 'acme',
    conversationId,
  });
  expect(rig.publisher.published()).toEqual([['SessionStarted', `started:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationRef: conversationRef('acme', conversationId),
    handoverId,
    agentStatus: 'online',
  });
});

test('the chat id the router answers with is the one the hand-over asks on, and is kept with the conversation', async () => {
  outside.answer('msc', JSON.stringify({ chat: { id: 'router-chat-7' }, message: 'Message(s) accepted' }));
  const conversation = await whatsappHandingOver();

  await handOver(rig.runtime, eventOf(conversation));

  expect(mutations().map((request) => request.path)).toEqual([
    '/msc/conversational/control/v1/accounts/link-7/chats/router-chat-7/routing/mutationrequests',
  ]);
  expect(jsonBody(mutations()[0], mscMutation).ChatId).toBe('router-chat-7');
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
    phase: 'agent',
    deskChatId: 'router-chat-7',
  });
});

test('a web chat without a web store routes on its page URL, without a skill on empty keywords, and Web Conversations is told', async () => {
  const pageUrl = 'https://shop.example/nl/help';
  const conversation = await seed(rig, 'handing_over', {
    conversationId: uniqueId('web'),
    channel: { type: 'web', pageUrl },
    additions: { mscChannel: 'Web' },
    pageUrl,
    answers,
  });
  const { conversationId } = conversation;

  await handOver(rig.runtime, eventOf(conversation));
  await convey();

  // The conveyor (polling the stream all along) tells the user from the lock's record while
  // hand-over tells Web Conversations: those two in either order.
  const systems = outside.requests.map((request) => request.system);
  expect(systems.slice(0, 2)).toEqual(['msc', 'msc']);
  expect(systems.slice(2).sort()).toEqual(['bot-events', 'web', 'webconv']);
  expect(webTexts(outside, conversationId)).toEqual(['An agent will be with you shortly.']);
  expect(jsonBody(mutations()[0], mscMutation).Context).toMatchObject({
    RoutingKeywords: '',
    WebStoreReferrer: pageUrl,
  });
  const [notice] = outside.of('webconv');
  expect(notice).toMatchObject({
    method: 'POST',
    path: '/webconv/handover',
    headers: { 'content-type': 'application/json' },
  });
  expect(jsonBody(notice, webConversationsNotice)).toEqual({ conversationClientId: conversationId });
  // Signed, as the web chat's deliveries are (the tenant's web chat secret: it has none of its own).
  expect(signatureOf(SECRETS.webSecret, notice)).toBe('valid');
  expect(await rig.state('acme', conversationId)).toMatchObject({
    phase: 'agent',
    handover: { lockExpiresAt: T0 + LOCK_MS },
  });
  expect(rig.publisher.published()).toEqual([['SessionStarted', `started:${handoverIdOf(conversation)}`]]);
});

test('Web Conversations failing does not undo the handover: agent, SessionStarted, a warning', async () => {
  outside.mode('webconv', '5xx');
  const conversation = await seed(rig, 'handing_over', {
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
    answers,
  });

  await handOver(rig.runtime, eventOf(conversation));
  await convey();

  // The conveyor (polling the stream all along) tells the user from the lock's record while
  // hand-over tells Web Conversations: those two in either order.
  const systems = outside.requests.map((request) => request.system);
  expect(systems.slice(0, 2)).toEqual(['msc', 'msc']);
  expect(systems.slice(2).sort()).toEqual(['bot-events', 'web', 'webconv']);
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({ phase: 'agent' });
  expect(rig.publisher.published()).toEqual([['SessionStarted', `started:${handoverIdOf(conversation)}`]]);
  expect(rig.logs).toContainEqual(
    expect.objectContaining({ level: 'warn', message: 'web conversations handover notice failed' }),
  );
});

// A refusal is an answer: the desk is asked once. No answer is an unknown outcome: the desk may
// have taken it, so it is asked again with the same handover id, DESK_ATTEMPTS times in all.
const deskFailures: Array<[Mode, string, number]> = [
  ['5xx', 'desk:status', 1],
  ['hang', 'desk:timeout', DESK_ATTEMPTS],
];
test.each(deskFailures)(
  'desk in mode %s → back to the bot, HandoverDeclined(failed, %s), no lock; the desk asked %i time(s)',
  async (mode, stage, asked) => {
    outside.mode('msc', mode);
    const conversation = await seed(rig, 'handing_over', {
      conversationId: uniqueId('web'),
      additions: { mscChannel: 'Web' },
      answers,
    });
    const { conversationId } = conversation;
    const handoverId = handoverIdOf(conversation);

    const started = performance.now();
    await handOver(rig.runtime, eventOf(conversation));
    // Each try is cut at the desk's timeout; the pauses between them are short.
    expect(performance.now() - started).toBeLessThan(asked * (OUTSIDE_TIMEOUT_MS + 500) + 1_000);
    await convey();

    // Web Conversations is not told of a handover that did not happen; the user and the bot are told it failed.
    expect(outside.requests.map((request) => request.system)).toEqual([
      ...Array(asked).fill('msc'),
      'web',
      'bot-events',
    ]);
    // Every try opened the same chat with the same message id: the router takes it once.
    expect(new Set(outside.of('msc').map((request) => request.body)).size).toBe(1);
    expect(webTexts(outside, conversationId)).toEqual([rig.tenant('acme').messages.handoverFailed]);
    const stored = await rig.state('acme', conversationId);
    expect(stored).toMatchObject({ phase: 'bot', version: conversation.version + 2 });
    expect(stored?.handover).toBeUndefined();
    const raw = await rig.rawItem('acme', conversationId);
    expect(raw).not.toHaveProperty('lockExpiresAt');
    expect(raw).not.toHaveProperty('sweepShard');
    expect(await rig.sweepIndex.findDueForSweep(T0 + 100 * LOCK_MS, 100)).not.toContainEqual({
      tenantId: 'acme',
      conversationId,
    });
    expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
    expect(rig.publisher.events[0]?.detail.data).toEqual({
      tenantId: 'acme',
      conversationRef: conversationRef('acme', conversationId),
      handoverId,
      agentStatus: 'online',
      reason: 'failed',
      stage,
    });
  },
);

test('a webhook desk that took the handover but answered too late the first time: asked again with the same handover id, the handover goes on', async () => {
  outside.mode('desk-hook', 'hang-once');
  const conversation = await seed(rig, 'handing_over', {
    tenantId: 'hooks',
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
    answers,
  });
  const { conversationId } = conversation;

  await handOver(rig.runtime, { ...eventOf(conversation), tenantId: 'hooks' });
  await convey();

  const asks = outside
    .of('desk-hook')
    .map((request) => jsonBody(request, z.object({ handoverId: z.string() })));
  expect(asks).toEqual(
    [{ handoverId: handoverIdOf(conversation) }, { handoverId: handoverIdOf(conversation) }].map(
      expect.objectContaining,
    ),
  );
  expect(await rig.state('hooks', conversationId)).toMatchObject({ phase: 'agent' });
  expect(webTexts(outside, conversationId)).toEqual([rig.tenant('hooks').messages.agentJoined]);
  expect(rig.publisher.published().map(([type]) => type)).toEqual(['SessionStarted']);
});

test('the chat opened but the hand-over mutation refused: back to the bot, HandoverDeclined(failed, desk:status), no lock', async () => {
  outside.mode('msc mutationrequests', '5xx');
  const conversation = await whatsappHandingOver();

  await handOver(rig.runtime, eventOf(conversation));
  await convey();

  expect(outside.of('msc').map((request) => request.path.split('/').at(-1))).toEqual([
    'baton-adapter',
    'mutationrequests',
  ]);
  const state = await rig.state('acme', conversation.conversationId);
  expect(state).toMatchObject({ phase: 'bot' });
  expect(state?.handover).toBeUndefined();
  expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverIdOf(conversation)}`]]);
  expect(rig.publisher.events[0]?.detail.data).toMatchObject({ reason: 'failed', stage: 'desk:status' });
});

test('a redelivered IntakeCompleted, after and alongside the first, calls the desk once', async () => {
  const sequential = await whatsappHandingOver();
  await handOver(rig.runtime, eventOf(sequential));
  await handOver(rig.runtime, eventOf(sequential));

  const concurrent = await whatsappHandingOver();
  await Promise.all([1, 2, 3].map(() => handOver(rig.runtime, eventOf(concurrent))));
  await convey();

  expect(mutations().map((request) => request.path)).toEqual([
    mscPath(sequential.conversationId),
    mscPath(concurrent.conversationId),
  ]);
  // The chat opened once each, too.
  expect(outside.of('msc')).toHaveLength(4);
  for (const conversation of [sequential, concurrent]) {
    expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
      phase: 'agent',
      version: conversation.version + 2,
    });
  }
  expect(rig.publisher.published()).toEqual([
    ['SessionStarted', `started:${handoverIdOf(sequential)}`],
    ['SessionStarted', `started:${handoverIdOf(concurrent)}`],
  ]);
});

test('a redelivery long after the first calls the desk no more: the phase records the handover', async () => {
  const conversation = await whatsappHandingOver();
  await handOver(rig.runtime, eventOf(conversation));
  // EventBridge may redeliver for up to 24 hours.
  rig.setNow(T0 + 3_600_000);
  await handOver(rig.runtime, eventOf(conversation));

  expect(mutations()).toHaveLength(1);
  expect(outside.of('msc')).toHaveLength(2);
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
    phase: 'agent',
    version: conversation.version + 2,
  });
});

test("a hand-over that died after marking the desk asked is taken over once every try of the router's two calls could have timed out and a minute passed, not before", async () => {
  const conversation = await whatsappHandingOver();
  const ref = {
    ...byRef('acme', conversation.conversationId),
    handoverId: handoverIdOf(conversation),
  };
  // The first hand-over marked it, then died before asking the desk.
  expect(
    await rig.runtime.deskAsks.markDeskAsked(ref, T0, 300 + 60_000, {
      pickupMs: 300_000,
      awaitsClaim: false,
    }),
  ).toBeDefined();
  // Each try: the router's two calls of up to 300 ms, and a pause of 250 ms.
  const takeOverAt = T0 + DESK_ATTEMPTS * (2 * OUTSIDE_TIMEOUT_MS + 250) + 60_000;

  rig.setNow(takeOverAt - 1);
  await handOver(rig.runtime, eventOf(conversation));
  expect(outside.of('msc')).toHaveLength(0);

  rig.setNow(takeOverAt);
  await handOver(rig.runtime, eventOf(conversation));
  expect(mutations()).toHaveLength(1);
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({ phase: 'agent' });
});

test('a stale IntakeCompleted (another handover, or not handing over) calls nobody and changes nothing', async () => {
  const handingOver = await whatsappHandingOver();
  const inIntake = await seed(rig, 'intake', { conversationId: uniqueId('web'), answers });
  // The intake's first question goes out from its record: not hand-over's doing.
  await convey();
  const before = outside.requests.length;

  await handOver(rig.runtime, { ...eventOf(handingOver), handoverId: 'answer:older:0' });
  await handOver(rig.runtime, eventOf(inIntake));
  await convey();

  expect(outside.requests.slice(before)).toEqual([]);
  expect(rig.publisher.attempts).toBe(0);
  expect(await rig.state('acme', handingOver.conversationId)).toEqual(handingOver);
  expect(await rig.state('acme', inIntake.conversationId)).toEqual(inIntake);
});

test('the webhook desk gets the handover with names split, answers, skill, referrer and the agent API URL', async () => {
  const conversation = await seed(rig, 'handing_over', {
    tenantId: 'hooks',
    conversationId: uniqueId('web:chat'),
    additions: { mscChannel: 'Web', skill: 'sales', mscWebstore: 'hooks-store' },
    answers,
  });
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);

  await handOver(rig.runtime, { ...eventOf(conversation), tenantId: 'hooks' });

  const [request] = outside.of('desk-hook');
  expect(request).toMatchObject({ method: 'POST', path: '/desk-hook/handover' });
  expect(signatureOf(SECRETS.deskSecret, request)).toBe('valid');
  expect(signatureOf('another-secret', request)).toBe('invalid');
  expect(jsonBody(request, z.record(z.string(), z.unknown()))).toMatchObject({
    event: 'handover',
    botId: 'hooks-bot',
    firstName: 'Ada',
    lastName: 'King Lovelace',
    sessionId: conversationId,
    from: 'hooks',
    to: conversationId,
    handoverId,
    customVariables: answers,
    extractedData: { ...answers, skill: 'sales', referrer: 'hooks-store' },
    agentApi: `http://127.0.0.1:1/v1/hooks/agent/conversations/${encodeURIComponent(conversationId)}`,
  });
  // lockMinutes 5 for this tenant.
  expect(await rig.state('hooks', conversationId)).toMatchObject({
    phase: 'agent',
    handover: { lockExpiresAt: T0 + 5 * 60_000 },
  });
});

// Regression: two web conversations whose users' message ids coincide get the same handover id
// (`answer:m-1:0`). Keyed by the handover id alone, the second IntakeCompleted was taken for a
// duplicate, the desk never asked, and the conversation stayed in `handing_over`.
test('two web conversations whose handover ids coincide (per-conversation message ids) are each handed over', async () => {
  const handoverId = 'answer:m-1:0';
  const first = await seed(rig, 'handing_over', { conversationId: uniqueId('web'), handoverId, answers });
  const second = await seed(rig, 'handing_over', { conversationId: uniqueId('web'), handoverId, answers });

  await handOver(rig.runtime, eventOf(first));
  await handOver(rig.runtime, eventOf(second));

  expect(mutations().map((request) => request.path)).toEqual([
    mscPath(first.conversationId, 'CXWebConversations'),
    mscPath(second.conversationId, 'CXWebConversations'),
  ]);
  expect(await rig.state('acme', second.conversationId)).toMatchObject({ phase: 'agent' });
});

describe('a desk that goes live on its claim (liveWhen: claimed)', () => {
  const claimsHandingOver = () =>
    seed(rig, 'handing_over', { tenantId: 'claims', conversationId: uniqueId('web'), answers });

  test('its 2xx leaves the conversation handing over, messages waiting; its claim locks it and the user is told once', async () => {
    const conversation = await claimsHandingOver();
    const { conversationId } = conversation;

    await handOver(rig.runtime, { ...eventOf(conversation), tenantId: 'claims' });
    await convey();

    expect(outside.of('desk-hook')).toHaveLength(1);
    expect(await rig.state('claims', conversationId)).toMatchObject({
      phase: 'handing_over',
      version: conversation.version + 1,
      // Pending from the ask: the desk has the tenant's pickup time (5 minutes) to claim.
      handover: { awaitsClaim: true, pickupBy: T0 + 5 * 60_000 },
    });
    expect(webTexts(outside, conversationId)).toEqual([]);
    // The bot hears the desk accepted, from hand-over, as no write records the acceptance.
    expect(rig.publisher.published()).toEqual([]);
    expect(outside.of('bot-events').map((request) => JSON.parse(request.body))).toEqual([
      expect.objectContaining({ event: 'handover.accepted', handoverId: handoverIdOf(conversation) }),
    ]);

    expect(await claim(rig.runtime, rig.tenant('claims'), DEFAULT_DESK, conversationId)).toBe('claimed');
    expect(await claim(rig.runtime, rig.tenant('claims'), DEFAULT_DESK, conversationId)).toBe('already-live');
    await convey();

    expect(await rig.state('claims', conversationId)).toMatchObject({
      phase: 'agent',
      handover: { lockExpiresAt: T0 + 5 * 60_000 },
    });
    expect(webTexts(outside, conversationId)).toEqual(['An agent will be with you shortly.']);
  });

  test('a bot that does not take the acceptance: tried once, then BotEventUnsent for the relay; the bus refusing too loses that notice only', async () => {
    const conversation = await claimsHandingOver();
    outside.mode('bot-events', '5xx');
    await handOver(rig.runtime, { ...eventOf(conversation), tenantId: 'claims' });
    expect(outside.of('bot-events')).toHaveLength(1);
    expect(rig.publisher.published()).toEqual([
      ['BotEventUnsent', `bot-event:handover.accepted:${handoverIdOf(conversation)}`],
    ]);

    const again = await claimsHandingOver();
    const refusing = { publish: () => Promise.reject(new Error('bus down')) };
    await handOver({ ...rig.runtime, publisher: refusing }, { ...eventOf(again), tenantId: 'claims' });
    // The handover itself went on: pending its claim, the desk asked once.
    expect(await rig.state('claims', again.conversationId)).toMatchObject({
      phase: 'handing_over',
      handover: { awaitsClaim: true },
    });
    expect(rig.logs).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'bot status event lost: the bus refused it too' }),
    );
  });

  test('no claim by the pickup deadline (5 minutes by default): the sweep withdraws the handover and the user is told', async () => {
    const conversation = await claimsHandingOver();
    const { conversationId } = conversation;
    await handOver(rig.runtime, { ...eventOf(conversation), tenantId: 'claims' });

    rig.setNow(T0 + STEP_TIMEOUT_MS.handing_over - 1);
    await expireSessions(rig.runtime);
    expect(await rig.state('claims', conversationId)).toMatchObject({ phase: 'handing_over' });

    rig.setNow(T0 + STEP_TIMEOUT_MS.handing_over);
    await expireSessions(rig.runtime);
    await convey();

    expect(await rig.state('claims', conversationId)).toMatchObject({ phase: 'bot' });
    expect(webTexts(outside, conversationId)).toEqual([rig.tenant('claims').messages.pickupTimedOut]);
    // The sweep gives up other tests' stale handovers too: this conversation's events.
    const handoverId = handoverIdOf(conversation);
    expect(rig.publisher.published(conversationId)).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
    expect(rig.publisher.of(conversationId).at(-1)?.detail.data).toMatchObject({ reason: 'withdrawn' });
  });
});
