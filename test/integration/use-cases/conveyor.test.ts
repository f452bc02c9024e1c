/**
 * The conveyor (functions/conveyor) on DynamoDB Local's table stream, against a real bot, MSC desk
 * and web chat on 127.0.0.1: messages appended to the inbox reach the owner of now in arrival
 * order and once each, whoever owns the conversation; a failing delivery is retried in place, then
 * dead-lettered, and the messages behind it go on; presence and handing_over hold the inbox until
 * their outcome's write; the sweep's nudge restarts a stalled inbox. The intake's answers are in
 * intake-through-conveyor.test.ts, the events each version writes in stream-publishing.test.ts.
 *
 * Three rigs on three tables: the main one read by the real stream poller (`conveyor.convey()`),
 * one whose bot answers per message id (the outside server answers all requests alike), and one
 * read by nobody, whose records the tests build from its item and hand to the handler themselves.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { createHandler } from '../../../functions/conveyor/handler';
import { relayAnswers } from '../../../functions/conveyor/relay-answers';
import { expireSessions } from '../../../functions/expire-sessions/expire-sessions';
import { MESSAGE_DEDUPE_SECONDS, receiveUserMessage } from '../../../functions/ingest/receive-user-message';
import { deliverUnsent } from '../../../functions/relay/deliver-unsent';
import { streamConsumer } from '../../../infra/topology';
import {
  type ChannelRef,
  type Command,
  type Conversation,
  newConversation,
  type Phase,
} from '../../../shared/domain/conversation';
import { handoverIdFrom } from '../../../shared/domain/handover-trigger';
import { INBOX_STALL_MS, MAX_DELIVERY_ATTEMPTS, MAX_INBOX } from '../../../shared/domain/inbox';
import { LIVECHAT_SESSION_END, LIVECHAT_SESSION_START } from '../../../shared/domain/livechat-payloads';
import type { UserMessage } from '../../../shared/events/shapes';
import { idRef } from '../../../shared/log/logger';
import type { Runtime } from '../../../shared/runtime/runtime';
import { freshTable } from '../../support/dynamo';
import { type ConveyorDriver, startConveyor } from './conveyor-driver';
import { jsonBody, type OutsideServer, webTexts } from './outside-server';
import { useDirectRig, useRigWithOutside } from './rig-with-outside';
import {
  appliedOn,
  buildRuntime,
  handoverIdOf,
  LOCK_MS,
  QUESTIONS,
  type SeedSpec,
  seed,
  T0,
  type TestRig,
  uniqueId,
  WHATSAPP_USER,
} from './runtime';
import { conveyRecords, decoded, nextRecord, recorded, type StreamRecord } from './stream-records';

const setup = useRigWithOutside('use-conveyor');
let outside: OutsideServer;
let rig: TestRig;
let conveyor: ConveyorDriver;
/** Its own table and conveyor, every outside system at the scripted bot's server. */
let scripted: ScriptedServer;
let scriptedRig: TestRig;
let scriptedConveyor: ConveyorDriver;
/** Its own table, read by nobody: the tests hand its records to the handler. */
const directRig = useDirectRig('use-conveyor', setup);
let direct: TestRig;

beforeAll(async () => {
  ({ rig, outside, conveyor } = setup);
  scripted = await startScriptedServer();
  scriptedRig = buildRuntime({ ...(await freshTable('use-conveyor-scripted')), outsideUrl: scripted.url });
  scriptedConveyor = await startConveyor(scriptedRig);
  direct = directRig.rig;
});
afterAll(async () => {
  await scriptedConveyor.stop();
  await scripted.close();
  scriptedRig.dynamo.raw.destroy();
});
beforeEach(() => {
  scripted.reset();
  scriptedRig.reset();
});

const BOT_REPLY = JSON.stringify({ answers: [{ text: 'noted' }] });
const TWO_ANSWERS = JSON.stringify({
  answers: [{ text: 'One moment' }, { text: 'Connecting you', outputAdditions: { livechat: true } }],
});

const DEDUPE = { scope: 'user-message', retentionSeconds: MESSAGE_DEDUPE_SECONDS };

const botRequest = z
  .object({
    tenantId: z.string(),
    conversationId: z.string(),
    channel: z.enum(['web', 'whatsapp']),
    messageId: z.string(),
    text: z.string().optional(),
    payload: z.string().optional(),
    context: z
      .object({ agentStatus: z.enum(['online', 'offline']) })
      .strict()
      .optional(),
  })
  .strict();

/** A user message into the tenant's TwoWay adapter on CM.com's router ("TwoWay Format"). */
const deskMessage = z
  .object({
    chat: z.object({ id: z.string(), conversationClientId: z.string() }).passthrough(),
    conversationMessages: z.tuple([
      z
        .object({
          $type: z.literal('text'),
          id: z.string(),
          direction: z.literal('ClientOriginated'),
          text: z.string(),
        })
        .strict(),
    ]),
  })
  .strict();

const deskPath = '/msc/conversational/twoway/v1/accounts/link-7/adapters/baton-adapter';

/** The message ids the outside bot received for one conversation, in order. */
const botSaw = (conversationId: string): string[] =>
  outside
    .of('bot')
    .map((request) => jsonBody(request, botRequest))
    .filter((body) => body.conversationId === conversationId)
    .map((body) => body.messageId);

/** The message ids the MSC desk received for one conversation, in order. */
const deskSaw = (conversationId: string): string[] =>
  outside
    .of('msc')
    .filter((request) => request.path === deskPath)
    .map((request) => jsonBody(request, deskMessage))
    .filter((body) => body.chat.conversationClientId === conversationId)
    .map((body) => body.conversationMessages[0].id);

/**
 * The texts the web chat endpoint received for one conversation, in order, but the handover
 * notices the conveyor sends (no agents, agent joined, ...): their own tests say when those go out.
 */
const userSaw = (conversationId: string): string[] => {
  const notices = new Set<string>(Object.values(rig.tenant('acme').messages));
  return webTexts(outside, conversationId).filter((text) => !notices.has(text));
};

const text = (id: string, body = `text of ${id}`): UserMessage => ({ id, text: body, receivedAt: T0 });

const payload = (id: string, value: string, pageUrl?: string): UserMessage => ({
  id,
  payload: value,
  receivedAt: T0,
  ...(pageUrl === undefined ? {} : { pageUrl }),
});

/** What ingest writes: the message appended to the inbox, nothing published. */
const append = (conversation: Conversation, message: UserMessage, on: TestRig = rig) =>
  on.inbox.appendMessage(conversation, message, DEDUPE, on.clock.now());

const appendAll = async (conversation: Conversation, messages: readonly UserMessage[], on: TestRig = rig) => {
  for (const message of messages) expect(await append(conversation, message, on)).toBe('appended');
};

const stateOf = (conversation: Conversation, on: TestRig = rig) =>
  on.state(conversation.tenantId, conversation.conversationId);

const apply = (conversation: Conversation, command: Command, on: TestRig = rig) =>
  appliedOn(on, conversation, command);

/** bot → presence → intake → handing_over → agent, each step a write of its own, as the flow does it. */
const moveToAgent = async (conversation: Conversation, handoverId: string, on: TestRig = rig) => {
  const steps: Command[] = [
    { type: 'requestHandover', handoverId, additions: { mscChannel: 'Web' } },
    { type: 'presenceChecked', handoverId, status: 'online' },
    { type: 'intakeCompleted', handoverId, answers: {} },
    { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS },
  ];
  let state = conversation;
  for (const step of steps) state = await apply(conversation, step, on);
  return state;
};

/**
 * A conversation seeded on the main rig, its seeding's records conveyed and what they caused
 * forgotten: seeding through the intake may have asked its first question, as the stream batched.
 */
const seeded = async (phase: Phase, spec: Partial<SeedSpec> = {}) => {
  const conversation = await seed(rig, phase, { conversationId: uniqueId('web'), ...spec });
  await conveyor.convey();
  outside.reset();
  rig.publisher.reset();
  return conversation;
};

const botConversation = (channel?: ChannelRef) =>
  seeded('bot', {
    conversationId: uniqueId(channel?.type === 'whatsapp' ? 'wa:3161' : 'web'),
    ...(channel ? { channel } : {}),
  });

const deadLettered = (on: TestRig): number => on.metrics.count('MessageDeadLettered');

/** Polls until `done` holds (an outside request arrived, a write was made), at most 5 s. */
async function until(done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('arrival order', () => {
  test('five messages taken in by ingest reach the bot in arrival order, once each; each answer goes to the user; one write delivers each', async () => {
    outside.answer('bot', BOT_REPLY);
    const conversationId = uniqueId('web');
    const ids = ['m1', 'm2', 'm3', 'm4', 'm5'];
    for (const id of ids)
      await expect(
        receiveUserMessage(rig.runtime, {
          tenantId: 'acme',
          conversationId,
          channel: { type: 'web' },
          message: text(id),
        }),
      ).resolves.toEqual({ outcome: 'accepted' });

    await conveyor.convey();

    expect(botSaw(conversationId)).toEqual(ids);
    expect(jsonBody(outside.of('bot')[0], botRequest)).toEqual({
      tenantId: 'acme',
      conversationId,
      channel: 'web',
      messageId: 'm1',
      text: 'text of m1',
    });
    expect(userSaw(conversationId)).toEqual(ids.map(() => 'noted'));
    // The answers went from the conveyor itself; nothing was published.
    expect(rig.publisher.published(conversationId)).toEqual([]);
    const stored = await rig.state('acme', conversationId);
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.deadLetters).toBeUndefined();
    // Five appends, then one write per delivery (the pop): nothing taken, held or given back.
    expect(stored?.version).toBe(2 * ids.length);
    expect(conveyor.failures).toEqual([]);
  });

  test('messages appended while the conveyor is at work on the ones before keep their order', async () => {
    const conversation = await botConversation();
    outside.answer('bot', BOT_REPLY);
    const ids = Array.from({ length: 8 }, (_, index) => `m${index + 1}`);

    for (const [index, id] of ids.entries()) {
      expect(await append(conversation, text(id))).toBe('appended');
      // Let the conveyor get going on some of them before the next arrives.
      if (index % 3 === 0) await until(() => botSaw(conversation.conversationId).includes(id));
    }
    await conveyor.convey();

    expect(botSaw(conversation.conversationId)).toEqual(ids);
    expect(userSaw(conversation.conversationId)).toHaveLength(ids.length);
    expect((await stateOf(conversation))?.inbox).toBeUndefined();
  });

  test('through bot → intake → agent → bot, each message reaches the owner of its turn, in order, once', async () => {
    const conversation = await botConversation();
    outside.answer('bot', TWO_ANSWERS);
    const { conversationId } = conversation;
    const handoverId = handoverIdFrom('answer', 'm1:1');

    // m1 asks for a human; the rest are typed before anybody answered.
    await appendAll(conversation, [
      text('m1', 'I want a human'),
      text('m2', 'Ada Lovelace'),
      text('m3', 'ada@example.com'),
      text('m4', '2'),
    ]);
    await conveyor.convey();

    // The bot's answer asked for the handover in the write that popped m1: the rest wait for presence.
    expect(botSaw(conversationId)).toEqual(['m1']);
    const inPresence = await stateOf(conversation);
    expect(inPresence).toMatchObject({ phase: 'presence', handover: { id: handoverId } });
    expect(inPresence?.inbox?.map((entry) => entry.message.id)).toEqual(['m2', 'm3', 'm4']);

    // check-presence's write: the intake starts, its first question goes out, then m2..m4 answer.
    await apply(conversation, { type: 'presenceChecked', handoverId, status: 'online' });
    await conveyor.convey();

    const handingOver = await stateOf(conversation);
    expect(handingOver).toMatchObject({
      phase: 'handing_over',
      handover: {
        intake: { answers: { name: 'Ada Lovelace', email: 'ada@example.com', topic: 'Technical' } },
      },
    });
    expect(handingOver?.inbox).toBeUndefined();

    // While the desk is asked, m5 waits; hand-over's write gives it to the agent.
    await appendAll(conversation, [text('m5', 'hello?')]);
    await conveyor.convey();
    expect(deskSaw(conversationId)).toEqual([]);
    await apply(conversation, { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS });
    await conveyor.convey();
    expect(deskSaw(conversationId)).toEqual(['m5']);

    // The user ends the live chat: m7 ends the session (no owner gets it), m8 is the bot's again.
    outside.answer('bot', BOT_REPLY);
    await appendAll(conversation, [text('m6'), payload('m7', LIVECHAT_SESSION_END), text('m8')]);
    await conveyor.convey();

    expect(botSaw(conversationId)).toEqual(['m1', 'm8']);
    expect(deskSaw(conversationId)).toEqual(['m5', 'm6']);
    expect(outside.of('msc')).toHaveLength(2);
    // Each forward ended there: nothing failed after the desk had the message.
    expect(rig.logs.filter((line) => line.level === 'error')).toEqual([]);
    expect(rig.metrics.points.filter((point) => point.name === 'ConveyorStalled')).toEqual([]);
    expect(userSaw(conversationId)).toEqual([
      'One moment',
      'Connecting you',
      'What is your name?',
      'What is your email address?',
      'What is it about?\n1. Billing\n2. Technical',
      'noted',
    ]);
    // Each version's events, from its record, in the order they were written.
    expect(rig.publisher.published(conversationId)).toEqual([
      ['HandoverRequested', `requested:${handoverId}`],
      ['IntakeCompleted', `completed:${handoverId}`],
      ['SessionStarted', `started:${handoverId}`],
      ['SessionEnded', `ended:${handoverId}`],
    ]);
    expect(rig.publisher.of(conversationId).at(-1)?.detail.data).toMatchObject({ reason: 'user' });
    const stored = await stateOf(conversation);
    expect(stored).toMatchObject({ phase: 'bot' });
    expect(stored?.handover).toBeUndefined();
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.deadLetters).toBeUndefined();
  });

  test('a message whose bot call timed out is retried with the bot after a handover, never given to a second owner', async () => {
    const conversation = await botConversation();
    const { conversationId } = conversation;
    outside.mode('bot', 'hang');
    await appendAll(conversation, [text('m1', 'I want a human')]);

    // The first attempt times out (the bot may have it); meanwhile the agent takes the conversation.
    await until(() => botSaw(conversationId).length === 1);
    outside.mode('bot', 'ok');
    await moveToAgent(conversation, `h-${conversationId}`);
    await conveyor.convey();

    expect(botSaw(conversationId)).toEqual(['m1', 'm1']);
    expect(deskSaw(conversationId)).toEqual([]);
    const stored = await stateOf(conversation);
    expect(stored).toMatchObject({ phase: 'agent' });
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.deadLetters).toBeUndefined();
    expect(rig.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'delivery failed; trying again',
        fields: expect.objectContaining({ route: 'bot', attempt: 1, errorName: 'OutsideCallError' }),
      }),
    );
  });
});

describe("the bot's answers", () => {
  const handoverId = handoverIdFrom('answer', 'm1:1');

  test('go to the user from the conveyor, in order; the one asking for a handover starts it in the one write that pops the message', async () => {
    const conversation = await botConversation();
    outside.answer('bot', TWO_ANSWERS);
    const { conversationId } = conversation;
    await appendAll(conversation, [text('m1', 'I want a human')]);
    const appendedVersion = conversation.version + 1;

    await conveyor.convey();

    expect(userSaw(conversationId)).toEqual(['One moment', 'Connecting you']);
    const stored = await stateOf(conversation);
    expect(stored).toMatchObject({ phase: 'presence', handover: { id: handoverId } });
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.version).toBe(appendedVersion + 1);
    // The answers were sent, not published; the handover's event is the only one.
    expect(rig.publisher.published(conversationId)).toEqual([
      ['HandoverRequested', `requested:${handoverId}`],
    ]);
  });

  test("one the channel fails on waits in the item with those after it, parked in the pop, and the next message's answers behind them; the bus gets a reference, no text; the bot is asked once", async () => {
    const conversation = await botConversation();
    outside.answer('bot', JSON.stringify({ answers: [{ text: 'One moment' }, { text: 'Still here' }] }));
    outside.mode('web', '5xx');
    const { conversationId } = conversation;
    await appendAll(conversation, [text('m1'), text('m2')]);

    await conveyor.convey();

    // m1's first answer failed, so both of its answers wait; m2's wait behind them, not tried.
    expect(botSaw(conversationId)).toEqual(['m1', 'm2']);
    expect(outside.of('web')).toHaveLength(1);
    const keys = ['answer:m1:0', 'answer:m1:1', 'answer:m2:0', 'answer:m2:1'];
    expect(rig.publisher.published(conversationId)).toEqual(
      keys.map((key) => ['MessageUnsent', `unsent:${idRef(key)}`]),
    );
    for (const event of rig.publisher.of(conversationId))
      expect(JSON.stringify(event)).not.toMatch(/One moment|Still here/);
    const stored = await stateOf(conversation);
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.unsent?.map((entry) => entry.key)).toEqual(keys);
    expect(rig.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'answer not sent by the conveyor; it waits for the relay',
      }),
    );
  });

  test('the handover an unsent answer asks for starts at once; its notices wait behind the answer, and the user reads them in order', async () => {
    const conversation = await botConversation();
    outside.answer('bot', TWO_ANSWERS);
    outside.mode('web', '5xx');
    const { conversationId } = conversation;
    await appendAll(conversation, [text('m1', 'I want a human')]);
    await conveyor.convey();
    expect(await stateOf(conversation)).toMatchObject({ phase: 'presence', handover: { id: handoverId } });

    // No agent: the "no agents" notice goes behind the two answers waiting.
    outside.mode('web', 'ok');
    outside.reset();
    await apply(conversation, { type: 'presenceChecked', handoverId, status: 'offline' });
    await conveyor.convey();
    // The write that parked the notice is a record too: its event goes out on the next read.
    await conveyor.convey();
    expect(webTexts(outside, conversationId)).toEqual([]);
    const waiting = await stateOf(conversation);
    expect(waiting?.unsent?.map((entry) => entry.kind)).toEqual(['answer', 'answer', 'notice']);

    const events = rig.publisher.unsent(conversationId);
    const last = events.at(-1);
    if (!last) throw new Error('nothing waits');
    await deliverUnsent(rig.runtime, last);
    expect(webTexts(outside, conversationId)).toEqual([
      'One moment',
      'Connecting you',
      rig.tenant('acme').messages.noAgents,
    ]);
    // The relay did not ask for the handover again: it was asked when the answer was parked.
    expect(
      rig.publisher.published(conversationId).filter(([type]) => type === 'HandoverRequested'),
    ).toHaveLength(1);
  });

  test("the intake's first question waits behind the answer that asked for the handover, when that one waits", async () => {
    const conversation = await botConversation();
    outside.answer('bot', TWO_ANSWERS);
    outside.mode('web', '5xx');
    const { conversationId } = conversation;
    await appendAll(conversation, [text('m1', 'I want a human')]);
    await conveyor.convey();
    outside.mode('web', 'ok');
    outside.reset();

    await apply(conversation, { type: 'presenceChecked', handoverId, status: 'online' });
    await conveyor.convey();
    await conveyor.convey();

    expect(webTexts(outside, conversationId)).toEqual([]);
    const waiting = await stateOf(conversation);
    expect(waiting?.phase).toBe('intake');
    expect(waiting?.unsent?.map((entry) => entry.kind)).toEqual(['answer', 'answer', 'notice']);
    const last = rig.publisher.unsent(conversationId).at(-1);
    if (!last) throw new Error('nothing waits');
    await deliverUnsent(rig.runtime, last);
    expect(webTexts(outside, conversationId)).toEqual([
      'One moment',
      'Connecting you',
      QUESTIONS.name.prompt,
    ]);
  });

  test('one the channel refuses for good (a 4xx) is not retried, by the conveyor or by an event; the next is still tried', async () => {
    const conversation = await botConversation();
    outside.answer('bot', TWO_ANSWERS);
    outside.mode('web', '4xx');
    const { conversationId } = conversation;
    await appendAll(conversation, [text('m1')]);
    const undeliverable = () => rig.metrics.count('MessageUndeliverable');
    const before = undeliverable();

    await conveyor.convey();

    expect(botSaw(conversationId)).toEqual(['m1']);
    expect(outside.of('web')).toHaveLength(2);
    expect(undeliverable() - before).toBe(2);
    // The handover the second answer asks for still starts; no answer went on as an event.
    expect(rig.publisher.published(conversationId)).toEqual([
      ['HandoverRequested', `requested:${handoverId}`],
    ]);
    expect((await stateOf(conversation))?.inbox).toBeUndefined();
    const refusals = rig.logs.filter(
      (log) => log.message === 'message to the user refused by the channel; not retried',
    );
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatchObject({ level: 'error', fields: expect.objectContaining({ status: 422 }) });
    expect(JSON.stringify(refusals)).not.toContain('One moment');
  });

  test('past the send budget none is sent by the conveyor: all wait in the write that pops the message', async () => {
    const conversation = await seed(direct, 'bot', { conversationId: uniqueId('web') });
    const { tenantId, conversationId } = conversation;
    await appendAll(conversation, [text('m1')], direct);
    const appended = await stateOf(conversation, direct);
    if (!appended) throw new Error('the conversation was not stored');

    const pop = await recorded(direct, conversation, () =>
      relayAnswers(
        direct.runtime,
        direct.tenant(tenantId),
        appended,
        text('m1'),
        [
          { id: 'm1:0', text: 'late' },
          { id: 'm1:1', text: 'later', outputAdditions: { livechat: true } },
        ],
        performance.now() - 1,
      ),
    );

    expect(webTexts(outside, conversationId)).toEqual([]);
    // The handover it asks for starts in the pop all the same; its notices will wait behind it.
    const stored = await stateOf(conversation, direct);
    expect(stored).toMatchObject({ phase: 'presence', version: appended.version + 1 });
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.unsent?.map((entry) => entry.key)).toEqual(['answer:m1:0', 'answer:m1:1']);
    await conveyRecords(direct.runtime, [pop]);
    expect(direct.publisher.published(conversationId)).toEqual([
      ['MessageUnsent', `unsent:${idRef('answer:m1:0')}`],
      ['MessageUnsent', `unsent:${idRef('answer:m1:1')}`],
      ['HandoverRequested', `requested:${handoverIdFrom('answer', 'm1:1')}`],
    ]);
  });
});

describe('a failing delivery', () => {
  test('a 5xx from the bot is tried again after 500 ms and 2 s; the third failure dead-letters the message and the one behind it goes on', async () => {
    const conversation = await seed(scriptedRig, 'bot', { conversationId: uniqueId('web') });
    await scriptedConveyor.convey();
    const { conversationId } = conversation;
    const m1 = text('m1', 'my card number is 4111 1111 1111 1111');
    const m2 = text('m2');
    scripted.script('m1', 500, 500, 500);
    const deadLetteredBefore = deadLettered(scriptedRig);

    await appendAll(conversation, [m1, m2], scriptedRig);
    await scriptedConveyor.convey();

    expect(MAX_DELIVERY_ATTEMPTS).toBe(3);
    expect(scripted.seen()).toEqual(['m1', 'm1', 'm1', 'm2']);
    const [first, second, third] = scripted.arrivals('m1');
    // Waited in place between the attempts (a timer may fire a hair early by this clock).
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(490);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(1_990);
    const stored = await stateOf(conversation, scriptedRig);
    expect(stored?.deadLetters).toEqual([{ message: m1, route: 'bot', reason: 'bot:status:500', at: T0 }]);
    expect(stored?.inbox).toBeUndefined();
    expect(scripted.userTexts(conversationId)).toEqual(['noted']);
    expect(deadLettered(scriptedRig) - deadLetteredBefore).toBe(1);
    const retries = scriptedRig.logs.filter((log) => log.message === 'delivery failed; trying again');
    expect(retries.map((log) => log.fields.attempt)).toEqual([1, 2]);
    expect(scriptedRig.logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'message dead-lettered',
        fields: expect.objectContaining({ messageRef: idRef('m1'), route: 'bot', attempts: 3 }),
      }),
    );
    // The dead letter's reason and the logs name the failure, never what the user wrote.
    expect(JSON.stringify(scriptedRig.logs)).not.toContain('4111');
    // Nothing was given back to the stream: the retries happened in place.
    expect(scriptedConveyor.failures).toEqual([]);
  });

  test('a 4xx the bot will give again dead-letters the message at the first attempt; a 429 is tried again like a 5xx', async () => {
    const conversation = await seed(scriptedRig, 'bot', { conversationId: uniqueId('web') });
    await scriptedConveyor.convey();
    const [m1, m2, m3] = [text('m1'), text('m2'), text('m3')];
    scripted.script('m1', 400);
    scripted.script('m3', 429);
    const deadLetteredBefore = deadLettered(scriptedRig);

    await appendAll(conversation, [m1, m2, m3], scriptedRig);
    await scriptedConveyor.convey();

    expect(scripted.seen()).toEqual(['m1', 'm2', 'm3', 'm3']);
    const stored = await stateOf(conversation, scriptedRig);
    expect(stored?.deadLetters).toEqual([{ message: m1, route: 'bot', reason: 'bot:status:400', at: T0 }]);
    expect(stored?.inbox).toBeUndefined();
    expect(scripted.userTexts(conversation.conversationId)).toEqual(['noted', 'noted']);
    expect(deadLettered(scriptedRig) - deadLetteredBefore).toBe(1);
    expect(scriptedRig.logs).toContainEqual(
      expect.objectContaining({
        message: 'message dead-lettered',
        fields: expect.objectContaining({ messageRef: idRef('m1'), attempts: 1 }),
      }),
    );
  });

  test('an unreadable bot answer dead-letters the message at once: the bot would answer the same again', async () => {
    const conversation = await botConversation();
    outside.mode('bot', 'garbage');
    const m1 = text('m1');
    await appendAll(conversation, [m1]);

    await conveyor.convey();

    expect(botSaw(conversation.conversationId)).toEqual(['m1']);
    const stored = await stateOf(conversation);
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.deadLetters).toEqual([
      { message: m1, route: 'bot', reason: 'bot:invalid-response', at: T0 },
    ]);
  });

  test('a desk that refuses a message for good dead-letters it with the route agent; the next one is forwarded', async () => {
    const agent = await seeded('agent', { additions: { mscChannel: 'Web' } });
    outside.mode('msc', '4xx');
    const m1 = text('m1');
    await appendAll(agent, [m1]);
    await conveyor.convey();
    outside.mode('msc', 'ok');
    await appendAll(agent, [text('m2')]);
    await conveyor.convey();

    expect(deskSaw(agent.conversationId)).toEqual(['m1', 'm2']);
    const stored = await stateOf(agent);
    expect(stored?.deadLetters).toEqual([{ message: m1, route: 'agent', reason: 'msc:status:422', at: T0 }]);
    expect(stored?.inbox).toBeUndefined();
  });
});

describe('presence and handing_over hold the inbox', () => {
  test('while presence is checked a message waits untouched; a LIVECHAT_SESSION_START passes it without a second handover', async () => {
    const conversation = await botConversation();
    const { conversationId } = conversation;
    const m3 = text('m3', 'hello?');
    await appendAll(conversation, [
      payload('s1', LIVECHAT_SESSION_START, 'https://shop.example/help'),
      payload('s2', LIVECHAT_SESSION_START),
      m3,
    ]);

    await conveyor.convey();

    // s1 asked for the handover; s2 came while it was under way and changed nothing; m3 waits.
    const stored = await stateOf(conversation);
    expect(stored).toMatchObject({
      phase: 'presence',
      handover: { id: handoverIdFrom('start', 's1'), pageUrl: 'https://shop.example/help' },
    });
    expect(stored?.inbox).toEqual([{ message: m3 }]);
    expect(rig.publisher.published(conversationId)).toEqual([
      ['HandoverRequested', `requested:${handoverIdFrom('start', 's1')}`],
    ]);
    // The bot heard of the request (its status event), and nothing else went out.
    expect(outside.requests.map((request) => request.system)).toEqual(['bot-events']);

    await conveyor.convey();
    expect(await stateOf(conversation)).toEqual(stored);
    expect(outside.requests).toHaveLength(1);

    // No agent: check-presence's write gives the conversation, and m3, back to the bot.
    outside.answer('bot', BOT_REPLY);
    await apply(conversation, {
      type: 'presenceChecked',
      handoverId: handoverIdFrom('start', 's1'),
      status: 'offline',
    });
    await conveyor.convey();

    expect(botSaw(conversationId)).toEqual(['m3']);
    expect(userSaw(conversationId)).toEqual(['noted']);
    expect((await stateOf(conversation))?.inbox).toBeUndefined();
  });

  test('while the desk is asked a message waits; the handover succeeding gives it to the agent, never the bot', async () => {
    const handingOver = await seeded('handing_over', { additions: { mscChannel: 'Web' } });
    const { conversationId } = handingOver;

    await appendAll(handingOver, [text('m9', 'are you there?')]);
    await conveyor.convey();
    expect((await stateOf(handingOver))?.inbox).toEqual([{ message: text('m9', 'are you there?') }]);
    expect(outside.requests).toEqual([]);

    await apply(handingOver, {
      type: 'handoverSucceeded',
      handoverId: handoverIdOf(handingOver),
      lockMs: LOCK_MS,
    });
    await conveyor.convey();

    expect(deskSaw(conversationId)).toEqual(['m9']);
    expect(jsonBody(outside.of('msc')[0], deskMessage).conversationMessages[0].text).toBe('are you there?');
    expect(botSaw(conversationId)).toEqual([]);
    const stored = await stateOf(handingOver);
    expect(stored?.inbox).toBeUndefined();
    // The forward slid the lock: one write popped the message and recorded the activity.
    expect(stored?.handover?.lockExpiresAt).toBe(T0 + LOCK_MS);
  });

  test('while the desk is asked a message waits; the desk refusing the handover gives it to the bot', async () => {
    const handingOver = await seeded('handing_over', { additions: { mscChannel: 'Web' } });
    await appendAll(handingOver, [text('m9', 'are you there?')]);
    await conveyor.convey();
    expect(outside.requests).toEqual([]);

    await apply(handingOver, {
      type: 'handoverFailed',
      handoverId: handoverIdOf(handingOver),
      stage: 'desk:status',
    });
    await conveyor.convey();

    expect(botSaw(handingOver.conversationId)).toEqual(['m9']);
    expect(outside.of('msc')).toEqual([]);
    expect((await stateOf(handingOver))?.inbox).toBeUndefined();
  });
});

describe('session payloads and locks', () => {
  test('LIVECHAT_SESSION_END while the agent has the conversation ends the session (SessionEnded, user) and goes to no owner', async () => {
    const agent = await seeded('agent', { additions: { mscChannel: 'Web' } });
    const handoverId = handoverIdOf(agent);
    await appendAll(agent, [payload('e1', LIVECHAT_SESSION_END)]);

    await conveyor.convey();

    expect(outside.of('msc')).toEqual([]);
    expect(outside.of('bot')).toEqual([]);
    expect(rig.publisher.published(agent.conversationId)).toEqual([['SessionEnded', `ended:${handoverId}`]]);
    expect(rig.publisher.of(agent.conversationId)[0]?.detail.data).toMatchObject({ reason: 'user' });
    const stored = await stateOf(agent);
    expect(stored).toMatchObject({ phase: 'bot', version: agent.version + 2 });
    expect(stored?.inbox).toBeUndefined();
  });

  test('an expired lock the sweep has not ended yet is ended by a write of its own, then the message goes to the bot, not the desk', async () => {
    const agent = await seeded('agent', { additions: { mscChannel: 'Web' } });
    const handoverId = handoverIdOf(agent);
    rig.setNow(T0 + LOCK_MS);
    await appendAll(agent, [text('m1')]);

    await conveyor.convey();

    expect(botSaw(agent.conversationId)).toEqual(['m1']);
    expect(deskSaw(agent.conversationId)).toEqual([]);
    expect(rig.publisher.published(agent.conversationId)).toEqual([['SessionEnded', `ended:${handoverId}`]]);
    expect(rig.publisher.of(agent.conversationId)[0]?.detail.data).toMatchObject({ reason: 'expired' });
    // The append, the expiry, the pop.
    const stored = await stateOf(agent);
    expect(stored).toMatchObject({ phase: 'bot', version: agent.version + 3 });
    expect(stored?.handover).toBeUndefined();
    expect(stored?.inbox).toBeUndefined();
  });
});

describe('the sweep’s nudge', () => {
  test('a head whose record the stream gave up on is delivered once the sweep nudges it, exactly once', async () => {
    const consumer = streamConsumer();
    if (!consumer) throw new Error('no stream consumer');
    const presence = await seeded('presence', { additions: { mscChannel: 'Web' } });
    const { conversationId } = presence;
    await appendAll(presence, [text('m1')]);
    await conveyor.convey();
    const failuresBefore = conveyor.failures.length;

    // No agents: the write that gives m1 to the bot carries an event the bus refuses every time.
    rig.publisher.failNext(consumer.trigger.maxRetryAttempts + 1);
    const offline = await apply(presence, {
      type: 'presenceChecked',
      handoverId: handoverIdOf(presence),
      status: 'offline',
    });
    await conveyor.convey();

    expect(conveyor.failures.slice(failuresBefore)).toEqual([
      expect.objectContaining({ records: 1, error: 'reported a failed record' }),
    ]);
    expect(botSaw(conversationId)).toEqual([]);
    expect((await stateOf(presence))?.inbox).toEqual([{ message: text('m1') }]);

    // The sweep leaves a head alone until it has waited INBOX_STALL_MS.
    rig.setNow(offline.updatedAt + INBOX_STALL_MS - 1);
    await expireSessions(rig.runtime);
    await conveyor.convey();
    expect(await stateOf(presence)).toMatchObject({
      version: offline.version,
      inbox: [{ message: text('m1') }],
    });
    expect((await stateOf(presence))?.nudgedAt).toBeUndefined();
    expect(botSaw(conversationId)).toEqual([]);

    const nudgedAt = offline.updatedAt + INBOX_STALL_MS;
    rig.setNow(nudgedAt);
    await expireSessions(rig.runtime);
    expect((await stateOf(presence))?.nudgedAt).toBe(nudgedAt);
    await conveyor.convey();
    expect(botSaw(conversationId)).toEqual(['m1']);

    // Delivered: the next sweeps find nothing to nudge, and the conveyor nothing to deliver.
    await expireSessions(rig.runtime);
    rig.setNow(nudgedAt + 3 * INBOX_STALL_MS);
    await expireSessions(rig.runtime);
    await conveyor.convey();
    expect(botSaw(conversationId)).toEqual(['m1']);
    const stored = await stateOf(presence);
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.nudgedAt).toBe(nudgedAt);
    // The given-up record's event stays given up (the mapping's on-failure destination has it).
    expect(rig.publisher.published(conversationId)).toEqual([]);
  });

  test('a nudge whose image is stale (a delivery popped after it) does nothing; given again it delivers nothing twice', async () => {
    const conversation = await seed(direct, 'bot', { conversationId: uniqueId('web') });
    const { conversationId } = conversation;
    outside.answer('bot', BOT_REPLY);
    const append1 = await recorded(direct, conversation, () => append(conversation, text('m1'), direct));
    await recorded(direct, conversation, () => append(conversation, text('m2'), direct));
    direct.setNow(T0 + INBOX_STALL_MS);
    const stuck = await stateOf(conversation, direct);
    if (!stuck) throw new Error('no conversation');
    const nudge = await recorded(direct, conversation, async () => {
      expect(await direct.sweepIndex.nudge(stuck, direct.clock.now())).toBe(true);
    });

    // The nudge's image is the item: its head is delivered, once.
    await conveyRecords(direct.runtime, [nudge]);
    expect(botSaw(conversationId)).toEqual(['m1']);
    expect((await stateOf(conversation, direct))?.inbox?.map((entry) => entry.message.id)).toEqual(['m2']);

    // Given again (or a nudge that raced a delivery): the item has moved on, the consumer does nothing.
    await conveyRecords(direct.runtime, [nudge]);
    await conveyRecords(direct.runtime, [append1, nudge]);
    expect(botSaw(conversationId)).toEqual(['m1']);
    expect((await stateOf(conversation, direct))?.inbox?.map((entry) => entry.message.id)).toEqual(['m2']);
    expect(direct.logs.filter((log) => log.level === 'error')).toEqual([]);
  });
});

describe('records handed to the handler', () => {
  test('the newest image of the batch names the owner: a message appended while the bot owned the conversation goes to the agent who has it now', async () => {
    const conversation = await seed(direct, 'bot', { conversationId: uniqueId('web') });
    const { conversationId } = conversation;
    const handoverId = `h-${conversationId}`;
    const appended = await recorded(direct, conversation, () =>
      append(conversation, text('m1', 'I want a human'), direct),
    );
    const moves: StreamRecord[] = [];
    const steps: Command[] = [
      { type: 'requestHandover', handoverId, additions: { mscChannel: 'Web' } },
      { type: 'presenceChecked', handoverId, status: 'online' },
      { type: 'intakeCompleted', handoverId, answers: {} },
      { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS },
    ];
    for (const step of steps)
      moves.push(await recorded(direct, conversation, () => apply(conversation, step, direct)));

    await expect(conveyRecords(direct.runtime, [appended, ...moves])).resolves.toEqual({
      batchItemFailures: [],
    });

    expect(outside.of('bot')).toEqual([]);
    expect(deskSaw(conversationId)).toEqual(['m1']);
    expect(direct.publisher.published(conversationId)).toEqual([
      ['HandoverRequested', `requested:${handoverId}`],
      ['IntakeCompleted', `completed:${handoverId}`],
      ['SessionStarted', `started:${handoverId}`],
    ]);
    expect((await stateOf(conversation, direct))?.inbox).toBeUndefined();
  });

  test('a replayed batch publishes the same events, ids and all, so their consumers drop the second', async () => {
    const presence = await seed(direct, 'presence', { conversationId: uniqueId('web') });
    const { conversationId } = presence;
    const handoverId = handoverIdOf(presence);
    const declined = await recorded(direct, presence, () =>
      apply(presence, { type: 'presenceChecked', handoverId, status: 'offline' }, direct),
    );
    const asked = await recorded(direct, presence, () =>
      apply(
        presence,
        { type: 'requestHandover', handoverId: 'h-again', additions: { mscChannel: 'Web' } },
        direct,
      ),
    );
    const batch = [declined, asked];

    await expect(conveyRecords(direct.runtime, batch)).resolves.toEqual({ batchItemFailures: [] });
    const first = direct.publisher.of(conversationId);
    await expect(conveyRecords(direct.runtime, batch)).resolves.toEqual({ batchItemFailures: [] });

    expect(direct.publisher.published(conversationId)).toEqual([
      ['HandoverDeclined', `declined:${handoverId}`],
      ['HandoverRequested', 'requested:h-again'],
      ['HandoverDeclined', `declined:${handoverId}`],
      ['HandoverRequested', 'requested:h-again'],
    ]);
    // Not merely the same ids: the very same events (time included), read from the records.
    expect(direct.publisher.of(conversationId).slice(2)).toEqual(first);
  });

  test('a record whose image cannot be read is reported; the records before it are acted on, none after it', async () => {
    const before = await seed(direct, 'bot', { conversationId: uniqueId('web') });
    const broken = await seed(direct, 'bot', { conversationId: uniqueId('web') });
    const after = await seed(direct, 'presence', { conversationId: uniqueId('web') });
    outside.answer('bot', BOT_REPLY);
    const first = await recorded(direct, before, () => append(before, text('a1'), direct));
    const good = await recorded(direct, broken, () => append(broken, text('b1'), direct));
    const unreadable: StreamRecord = {
      ...good,
      dynamodb: { ...good.dynamodb, NewImage: { ...good.dynamodb.NewImage, phase: { S: 'limbo' } } },
    };
    await appendAll(after, [text('c1')], direct);
    // After it: a write that gives c1 to the bot and carries an event.
    const last = await recorded(direct, after, () =>
      apply(after, { type: 'presenceChecked', handoverId: handoverIdOf(after), status: 'offline' }, direct),
    );

    await expect(conveyRecords(direct.runtime, [first, unreadable, last])).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: unreadable.dynamodb.SequenceNumber }],
    });

    expect(botSaw(before.conversationId)).toEqual(['a1']);
    expect(botSaw(broken.conversationId)).toEqual([]);
    expect(botSaw(after.conversationId)).toEqual([]);
    expect(direct.publisher.events).toEqual([]);
    expect((await stateOf(after, direct))?.inbox).toEqual([{ message: text('c1') }]);
    expect(direct.logs).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'stream record unreadable; it is given again' }),
    );

    // Given again from the reported record on, readable this time, the rest is acted on.
    await expect(conveyRecords(direct.runtime, [good, last])).resolves.toEqual({ batchItemFailures: [] });
    expect(botSaw(broken.conversationId)).toEqual(['b1']);
    expect(botSaw(after.conversationId)).toEqual(['c1']);
    expect(botSaw(before.conversationId)).toEqual(['a1']);
    expect(direct.publisher.published(after.conversationId)).toEqual([
      ['HandoverDeclined', `declined:${handoverIdOf(after)}`],
    ]);
  });

  test.each([
    ['a binary version', { version: { B: new Uint8Array([0, 1]) } }],
    ['a set for a phase', { phase: { SS: ['bot'] } }],
    ['a type tag DynamoDB does not have', { phase: { X: 'bot' } }],
    ['an attribute that is not an attribute value', { phase: 'bot' }],
  ])('a record with %s is reported as unreadable too', async (_, attributes) => {
    const conversation = await seed(direct, 'bot', { conversationId: uniqueId('web') });
    const good = await recorded(direct, conversation, () => append(conversation, text('m1'), direct));
    // Not a StreamRecord by its type: the handler gets what the stream gives, `unknown`.
    const broken = {
      ...good,
      dynamodb: { ...good.dynamodb, NewImage: { ...good.dynamodb.NewImage, ...attributes } },
    };

    await expect(createHandler(direct.runtime)({ Records: [broken] })).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: good.dynamodb.SequenceNumber }],
    });
    expect(outside.requests).toEqual([]);
  });

  test('an attribute Baton does not read is no reason to refuse a record, whatever its type', async () => {
    const conversation = await seed(direct, 'bot', { conversationId: uniqueId('web') });
    outside.answer('bot', BOT_REPLY);
    const good = await recorded(direct, conversation, () => append(conversation, text('m1'), direct));
    const annotated: StreamRecord = {
      ...good,
      dynamodb: {
        ...good.dynamodb,
        NewImage: { ...good.dynamodb.NewImage, operatorNote: { B: new Uint8Array([0, 1]) } },
      },
    };

    await expect(conveyRecords(direct.runtime, [annotated])).resolves.toEqual({ batchItemFailures: [] });
    expect(botSaw(conversation.conversationId)).toEqual(['m1']);
  });

  test('a message appended behind the head being delivered does not deliver that head again, whichever way the records are batched', async () => {
    for (const batching of ['apart', 'together'] as const) {
      outside.reset();
      outside.answer('bot', BOT_REPLY);
      const conversation = await seed(direct, 'bot', { conversationId: uniqueId('web') });
      const { conversationId } = conversation;
      const first = await recorded(direct, conversation, () => append(conversation, text('m1'), direct));

      // The bot keeps m1 until m2 has been appended behind it.
      const bot = heldBot();
      const delivering = conveyRecords(bot.ports, [first]);
      await bot.asked;
      const behind = await recorded(direct, conversation, () => append(conversation, text('m2'), direct));
      bot.answer();
      await expect(delivering).resolves.toEqual({ batchItemFailures: [] });
      // m1's pop, one write after m2's append, is the next record.
      const pop = await nextRecord(direct, conversation, behind);
      expect(decoded(pop).inbox).toEqual([{ message: text('m2') }]);

      if (batching === 'apart') {
        await conveyRecords(direct.runtime, [behind]);
        expect(botSaw(conversationId)).toEqual(['m1']);
        await conveyRecords(direct.runtime, [pop]);
      } else {
        await conveyRecords(direct.runtime, [behind, pop]);
      }

      expect(botSaw(conversationId)).toEqual(['m1', 'm2']);
      expect((await stateOf(conversation, direct))?.inbox).toBeUndefined();
    }
  });

  // BUG (reported): the consumer forwards on the image, not the item. The agent ended the session
  // after m1 was appended, before the record was conveyed: the desk still got m1, the bot never.
  test('a message for an agent whose session ended since its record goes to the bot, not the desk', async () => {
    const agent = await seed(direct, 'agent', {
      conversationId: uniqueId('web'),
      additions: { mscChannel: 'Web' },
    });
    const appended = await recorded(direct, agent, () => append(agent, text('m1'), direct));
    await apply(agent, { type: 'endSession', by: 'agent' }, direct);

    await conveyRecords(direct.runtime, [appended]);

    expect(deskSaw(agent.conversationId)).toEqual([]);
    expect(botSaw(agent.conversationId)).toEqual(['m1']);
  });

  // BUG (reported): a head that was deliverable, then held (presence), then deliverable again, all
  // while its delivery was under way, is delivered again when the stream cuts a batch inside the
  // hold: the batch after the cut compares a held image with a free one, and the pop that came
  // after is not in it. Here the bot is asked for m1 twice and its answer sent twice.
  test('a head held and freed again while it was being delivered is not delivered twice, wherever the batches are cut', async () => {
    const conversation = await seed(direct, 'bot', { conversationId: uniqueId('web') });
    const { conversationId } = conversation;
    const handoverId = `h-${conversationId}`;
    outside.answer('bot', BOT_REPLY);
    const appended = await recorded(direct, conversation, () => append(conversation, text('m1'), direct));

    const bot = heldBot();
    const delivering = conveyRecords(bot.ports, [appended]);
    await bot.asked;
    // Meanwhile a handover is asked for (a pushed bot answer) and presence says no agents.
    const held = await recorded(direct, conversation, () =>
      apply(conversation, { type: 'requestHandover', handoverId, additions: { mscChannel: 'Web' } }, direct),
    );
    const freed = await recorded(direct, conversation, () =>
      apply(conversation, { type: 'presenceChecked', handoverId, status: 'offline' }, direct),
    );
    bot.answer();
    await delivering;
    const pop = await nextRecord(direct, conversation, freed);

    await conveyRecords(direct.runtime, [held]);
    await conveyRecords(direct.runtime, [freed]);
    await conveyRecords(direct.runtime, [pop]);

    expect(botSaw(conversationId)).toEqual(['m1']);
  });
});

describe('appending', () => {
  test('the same message id twice is appended once, also after it was delivered; the first creates the conversation', async () => {
    const conversationId = uniqueId('web');
    const fresh = newConversation('acme', conversationId, { type: 'web' }, direct.clock.now());

    const created = await recorded(direct, fresh, () => append(fresh, text('m1'), direct));
    expect(await append(fresh, text('m1', 'a redelivered webhook'), direct)).toBe('duplicate');

    expect(created.eventName).toBe('INSERT');
    const stored = await stateOf(fresh, direct);
    expect(stored).toMatchObject({ phase: 'bot', channel: { type: 'web' }, version: 1 });
    expect(stored?.inbox).toEqual([{ message: text('m1') }]);

    await conveyRecords(direct.runtime, [created]);
    expect(await append(fresh, text('m1'), direct)).toBe('duplicate');

    expect(botSaw(conversationId)).toEqual(['m1']);
    expect((await stateOf(fresh, direct))?.inbox).toBeUndefined();
    expect((await stateOf(fresh, direct))?.version).toBe(2);
  });

  test('a web message into a WhatsApp conversation is refused and remembered nowhere', async () => {
    const whatsapp = await botConversation({ type: 'whatsapp', ...WHATSAPP_USER });
    const asWeb = newConversation('acme', whatsapp.conversationId, { type: 'web' }, rig.clock.now());

    expect(await append(asWeb, text('m1'))).toBe('channel_mismatch');
    expect(await stateOf(whatsapp)).toEqual(whatsapp);

    // The refused transaction did not keep the id: the same message from the right channel is new.
    expect(await append(whatsapp, text('m1'))).toBe('appended');
    await conveyor.convey();
    expect(botSaw(whatsapp.conversationId)).toEqual(['m1']);
  });

  test(`an inbox of ${MAX_INBOX} refuses the next message until the conveyor has delivered one`, async () => {
    const presence = await seeded('presence', { additions: { mscChannel: 'Web' } });
    const ids = Array.from({ length: MAX_INBOX }, (_, index) => `m${index + 1}`);
    await appendAll(
      presence,
      ids.map((id) => text(id)),
    );

    expect(await append(presence, text('late'))).toBe('inbox_full');
    expect((await stateOf(presence))?.inbox?.map((entry) => entry.message.id)).toEqual(ids);

    await apply(presence, { type: 'presenceChecked', handoverId: handoverIdOf(presence), status: 'offline' });
    await conveyor.convey();
    expect(await append(presence, text('late'))).toBe('appended');
    await conveyor.convey();

    expect(botSaw(presence.conversationId)).toEqual([...ids, 'late']);
    expect((await stateOf(presence))?.inbox).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// A bot that answers each message id as scripted, and a web chat endpoint that takes everything.
// ---------------------------------------------------------------------------------------------

interface ScriptedServer {
  url: string;
  /** The statuses the bot answers a message id with, one per request, then 200 with BOT_REPLY. */
  script(messageId: string, ...statuses: number[]): void;
  /** The message ids of the requests the bot received, in order. */
  seen(): string[];
  /** When each request for a message id arrived (performance.now()). */
  arrivals(messageId: string): number[];
  /** The texts the web chat endpoint received for one conversation. */
  userTexts(conversationId: string): string[];
  reset(): void;
  close(): Promise<void>;
}

const webBody = z.object({ conversationId: z.string(), text: z.string() }).strict();

function startScriptedServer(): Promise<ScriptedServer> {
  const bodies: Array<{ messageId: string; at: number }> = [];
  const delivered: Array<z.infer<typeof webBody>> = [];
  const scripts = new Map<string, number[]>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (request.url?.startsWith('/web/')) {
        delivered.push(webBody.parse(JSON.parse(body)));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        return;
      }
      const asked = readBotRequest(body);
      if (!asked) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
        return;
      }
      bodies.push({ messageId: asked.messageId, at: performance.now() });
      const status = scripts.get(asked.messageId)?.shift() ?? 200;
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(status === 200 ? BOT_REPLY : '{"error":"refused"}');
    });
  });
  const scriptedServer: ScriptedServer = {
    url: '',
    script: (messageId, ...statuses) => {
      scripts.set(messageId, statuses);
    },
    seen: () => bodies.map((body) => body.messageId),
    arrivals: (messageId) => bodies.filter((body) => body.messageId === messageId).map((body) => body.at),
    userTexts: (conversationId) =>
      delivered.filter((body) => body.conversationId === conversationId).map((body) => body.text),
    reset: () => {
      bodies.length = 0;
      delivered.length = 0;
      scripts.clear();
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done())));
    },
  };
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address: AddressInfo | string | null = server.address();
      if (address === null || typeof address === 'string') throw new Error('the scripted server has no port');
      scriptedServer.url = `http://127.0.0.1:${address.port}`;
      resolve(scriptedServer);
    });
  });
}

function readBotRequest(body: string): z.infer<typeof botRequest> | undefined {
  try {
    const raw: unknown = JSON.parse(body);
    const parsed = botRequest.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The direct rig's runtime with a bot that keeps each request until the test lets it answer. */
function heldBot(): { ports: Runtime; asked: Promise<void>; answer: () => void } {
  const asked = deferred();
  const answered = deferred();
  const ports: Runtime = {
    ...direct.runtime,
    bot: {
      ask: async (tenant, request) => {
        asked.resolve();
        await answered.promise;
        return direct.runtime.bot.ask(tenant, request);
      },
    },
  };
  return { ports, asked: asked.promise, answer: answered.resolve };
}

/** A promise and its resolve, for a test to let a held step go on. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
