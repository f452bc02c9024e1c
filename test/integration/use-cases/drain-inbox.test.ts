/**
 * The relay's drain on DynamoDB Local, against a real bot and MSC desk on 127.0.0.1: messages
 * appended to the inbox reach the owner of now in arrival order and once each, however many drains
 * run; a failing head is retried, then dead-lettered; a held head and the presence check make the
 * drain wait. The intake's answers through the drain are in advance-intake.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { MESSAGE_DEDUPE_SECONDS } from '../../../functions/ingest/receive-user-message';
import { drainInbox, HOLD_MS } from '../../../functions/relay/drain-inbox';
import { relayAnswers } from '../../../functions/relay/relay-answers';
import { OutsideCallError } from '../../../shared/clients/http';
import {
  type ChannelRef,
  type Command,
  type Conversation,
  newConversation,
} from '../../../shared/domain/conversation';
import { LIVECHAT_SESSION_END, LIVECHAT_SESSION_START } from '../../../shared/domain/handover-trigger';
import { MAX_DELIVERY_ATTEMPTS, MAX_INBOX, popHead } from '../../../shared/domain/inbox';
import type { UserMessage } from '../../../shared/events/shapes';
import { applyCommand } from '../../../shared/flow/apply-command';
import { idRef } from '../../../shared/log/logger';
import type { Runtime } from '../../../shared/runtime/runtime';
import { DynamoConversationStore } from '../../../shared/store/conversation-repository';
import { jsonBody, type OutsideServer, webTexts } from './outside-server';
import { resetRigWithOutside, startRigWithOutside, stopRigWithOutside } from './rig-with-outside';
import {
  buildRuntime,
  handoverIdOf,
  LOCK_MS,
  seed,
  T0,
  type TestRig,
  uniqueId,
  WHATSAPP_USER,
} from './runtime';

/**
 * A bot that answers each message id with the status set for it (200 with one answer otherwise):
 * the outside server answers all of a system's requests alike and has no 4xx.
 */
interface ScriptedBot {
  url: string;
  /** The message ids of the requests the bot received, in order. */
  readonly seen: string[];
  statuses: Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

let outside: OutsideServer;
let rig: TestRig;
let scripted: ScriptedBot;
/** The same table, every outside system at the scripted bot. */
let scriptedRig: TestRig;

beforeAll(async () => {
  ({ rig, outside } = await startRigWithOutside('use-drain'));
  scripted = await startScriptedBot();
  scriptedRig = buildRuntime({ dynamo: rig.dynamo, tableName: rig.tableName, outsideUrl: scripted.url });
});
afterAll(async () => {
  await scripted.close();
  await stopRigWithOutside({ rig, outside });
});
beforeEach(() => {
  resetRigWithOutside({ rig, outside });
  scripted.reset();
  scriptedRig.reset();
});

const BOT_REPLY = JSON.stringify({ answers: [{ text: 'noted' }] });

const DEDUPE = { scope: 'user-message', retentionSeconds: MESSAGE_DEDUPE_SECONDS };

const botRequest = z
  .object({
    tenantId: z.string(),
    conversationId: z.string(),
    channel: z.enum(['web', 'whatsapp']),
    messageId: z.string(),
    text: z.string().optional(),
    payload: z.string().optional(),
  })
  .strict();

const deskMessage = z.object({ chatId: z.string(), messageId: z.string(), text: z.string() }).strict();

const deskPath = (conversationId: string) =>
  `/msc/conversational/control/v1/accounts/link-7/chats/${encodeURIComponent(conversationId)}/messages`;

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
    .filter((request) => request.path === deskPath(conversationId))
    .map((request) => jsonBody(request, deskMessage))
    .map((body) => {
      expect(body.chatId).toBe(conversationId);
      return body.messageId;
    });

/** The texts the web chat endpoint received for one conversation, in order. */
const userSaw = (conversationId: string): string[] => webTexts(outside, conversationId);

const text = (id: string, body = `text of ${id}`): UserMessage => ({
  id,
  text: body,
  receivedAt: rig.clock.now(),
});

const payload = (id: string, value: string, pageUrl?: string): UserMessage => ({
  id,
  payload: value,
  receivedAt: rig.clock.now(),
  ...(pageUrl === undefined ? {} : { pageUrl }),
});

/** What the webhook writes, without its MessagesWaiting: the tests start the drains themselves. */
const append = (conversation: Conversation, message: UserMessage, on: TestRig = rig) =>
  on.inbox.appendMessage(conversation, message, DEDUPE, on.clock.now());

const appendAll = async (conversation: Conversation, messages: readonly UserMessage[]) => {
  for (const message of messages) expect(await append(conversation, message)).toBe('appended');
};

const drain = (conversation: Conversation, ports: Runtime = rig.runtime) =>
  drainInbox(ports, { tenantId: conversation.tenantId, conversationId: conversation.conversationId });

const stateOf = (conversation: Conversation, on: TestRig = rig) =>
  on.state(conversation.tenantId, conversation.conversationId);

const apply = async (conversation: Conversation, command: Command): Promise<Conversation> => {
  const applied = await applyCommand(
    rig.runtime,
    conversation.tenantId,
    conversation.conversationId,
    () => command,
  );
  if (applied.outcome !== 'applied') throw new Error(`${command.type} was not applied: ${applied.outcome}`);
  return applied.state;
};

/** bot → presence → intake → handing_over → agent, each step a write of its own, as the flow does it. */
const moveToAgent = async (conversation: Conversation, handoverId: string): Promise<Conversation> => {
  const steps: Command[] = [
    { type: 'requestHandover', handoverId, additions: { mscChannel: 'Web' } },
    { type: 'presenceChecked', status: 'online' },
    { type: 'intakeCompleted', answers: {} },
    { type: 'handoverSucceeded', lockMs: LOCK_MS },
  ];
  let state = conversation;
  for (const step of steps) state = await apply(conversation, step);
  return state;
};

const botConversation = (channel?: ChannelRef) =>
  seed(rig, 'bot', { conversationId: uniqueId(channel?.type === 'whatsapp' ? 'wa:3161' : 'web'), channel });

const deadLettered = (on: TestRig): number => on.metrics.count('MessageDeadLettered');

describe('arrival order', () => {
  test('five messages drained by four drains at once reach the bot in arrival order, once each', async () => {
    outside.answer('bot', BOT_REPLY);
    const conversation = await botConversation();
    const { conversationId } = conversation;
    const ids = ['m1', 'm2', 'm3', 'm4', 'm5'];
    await appendAll(
      conversation,
      ids.map((id) => text(id)),
    );

    // The first delivery is held (its answer's send waits) until the three other drains are done,
    // so they run while it is under way; one that took the held head as well would be held too
    // (the fallback lets it go) and the bot would see m1 twice.
    const gate = deferred();
    const held: Runtime = {
      ...rig.runtime,
      channels: {
        send: async (to, message) => {
          await gate.promise;
          await rig.runtime.channels.send(to, message);
        },
      },
    };
    let finished = 0;
    const fallback = setTimeout(gate.resolve, 2_000);
    const drains = Array.from({ length: 4 }, () =>
      drain(conversation, held).then(() => {
        finished += 1;
        if (finished === 3) gate.resolve();
      }),
    );
    await Promise.all(drains);
    clearTimeout(fallback);

    expect(botSaw(conversationId)).toEqual(ids);
    expect(jsonBody(outside.of('bot')[0], botRequest)).toEqual({
      tenantId: 'acme',
      conversationId,
      channel: 'web',
      messageId: 'm1',
      text: 'text of m1',
    });
    // Each answer went to the user from the drain, none through an event.
    expect(userSaw(conversationId)).toEqual(ids.map(() => 'noted'));
    expect(rig.publisher.published(conversationId)).toEqual([]);
    const stored = await stateOf(conversation);
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.deadLetters).toBeUndefined();
  });

  test('a drain started after each append (as each MessagesWaiting would), racing the earlier ones, keeps the order', async () => {
    outside.answer('bot', BOT_REPLY);
    const conversation = await botConversation();
    const ids = ['m1', 'm2', 'm3', 'm4', 'm5'];

    const drains: Array<Promise<void>> = [];
    for (const id of ids) {
      expect(await append(conversation, text(id))).toBe('appended');
      drains.push(drain(conversation), drain(conversation));
    }
    await Promise.all(drains);

    expect(botSaw(conversation.conversationId)).toEqual(ids);
    expect((await stateOf(conversation))?.inbox).toBeUndefined();
  });
});

describe('a change of owner', () => {
  test('the bot gets the messages drained before the handover, the desk those after, the bot again after the user ends the session', async () => {
    const conversation = await botConversation();
    const { conversationId } = conversation;
    const handoverId = `h-${conversationId}`;

    await appendAll(conversation, [text('m1'), text('m2')]);
    await drain(conversation);
    // m3 arrives while the bot still owns the conversation, and is drained only once the agent does.
    await appendAll(conversation, [text('m3')]);
    const agent = await moveToAgent(conversation, handoverId);
    await appendAll(conversation, [text('m4')]);
    await drain(conversation);

    expect(botSaw(conversationId)).toEqual(['m1', 'm2']);
    expect(deskSaw(conversationId)).toEqual(['m3', 'm4']);
    // Each change of owner with m3 waiting asked for a drain, but the one into handing_over (the
    // messages wait for the desk's answer); the last one is what delivers m3 in production.
    const waiting = rig.publisher.published(conversationId).filter(([type]) => type === 'MessagesWaiting');
    expect(waiting).toHaveLength(3);
    expect(waiting.at(-1)).toEqual(['MessagesWaiting', `waiting:v${agent.version}`]);

    rig.publisher.reset();
    await appendAll(conversation, [payload('m5', LIVECHAT_SESSION_END), text('m6')]);
    await drain(conversation);

    expect(deskSaw(conversationId)).toEqual(['m3', 'm4']);
    expect(botSaw(conversationId)).toEqual(['m1', 'm2', 'm6']);
    expect(outside.of('msc').map((request) => request.path)).toEqual([
      deskPath(conversationId),
      deskPath(conversationId),
    ]);
    expect(rig.publisher.published(conversationId)).toEqual([['SessionEnded', `ended:${handoverId}`]]);
    expect(rig.publisher.events[0]?.detail.data).toMatchObject({ reason: 'user' });
    const stored = await stateOf(conversation);
    expect(stored).toMatchObject({ phase: 'bot' });
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.deadLetters).toBeUndefined();
  });

  test('a message appended while the bot owned the conversation but drained after the handover goes to the desk, never the bot', async () => {
    const conversation = await botConversation();
    await appendAll(conversation, [text('m1', 'I want a human')]);

    await moveToAgent(conversation, `h-${conversation.conversationId}`);
    await drain(conversation);

    expect(outside.of('bot')).toEqual([]);
    expect(deskSaw(conversation.conversationId)).toEqual(['m1']);
    expect(jsonBody(outside.of('msc')[0], deskMessage).text).toBe('I want a human');
    expect((await stateOf(conversation))?.inbox).toBeUndefined();
  });

  test('a message whose bot call timed out goes to the bot again after a handover, never to a second owner', async () => {
    const conversation = await botConversation();
    await appendAll(conversation, [text('m1', 'I want a human')]);
    outside.mode('bot', 'hang');

    await expect(drain(conversation)).rejects.toMatchObject({ kind: 'timeout' });
    // The bot may have got it: it is remembered as the bot's.
    expect((await stateOf(conversation))?.inbox).toEqual([
      { message: expect.objectContaining({ id: 'm1' }), attempts: 1, route: 'bot' },
    ]);

    outside.mode('bot', 'ok');
    await moveToAgent(conversation, `h-${conversation.conversationId}`);
    await drain(conversation);

    expect(botSaw(conversation.conversationId)).toEqual(['m1', 'm1']);
    expect(deskSaw(conversation.conversationId)).toEqual([]);
    expect((await stateOf(conversation))?.inbox).toBeUndefined();
  });

  test('a session that ends after the head was taken for the desk, before the desk was called: the message goes to the bot', async () => {
    const agent = await seed(rig, 'agent', {
      conversationId: uniqueId('web'),
      additions: { mscChannel: 'Web' },
    });
    const handoverId = handoverIdOf(agent);
    await appendAll(agent, [text('m1'), text('m2')]);

    /** The agent ends the session just before the forwarder's first write with the head held. */
    class SessionEndsOnceTaken extends DynamoConversationStore {
      private ended = false;

      override async save(next: Conversation, now: number) {
        if (!this.ended && next.inbox?.[0]?.takenUntil !== undefined) {
          this.ended = true;
          await applyCommand(rig.runtime, next.tenantId, next.conversationId, () => ({
            type: 'endSession',
            by: 'agent',
          }));
        }
        return super.save(next, now);
      }
    }
    const racing: Runtime = {
      ...rig.runtime,
      conversations: new SessionEndsOnceTaken(rig.dynamo.doc, rig.tableName),
    };

    await drain(agent, racing);

    expect(outside.of('msc')).toEqual([]);
    expect(botSaw(agent.conversationId)).toEqual(['m1', 'm2']);
    expect(rig.publisher.published(agent.conversationId)).toEqual([['SessionEnded', `ended:${handoverId}`]]);
    const stored = await stateOf(agent);
    expect(stored).toMatchObject({ phase: 'bot' });
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.deadLetters).toBeUndefined();
  });
});

describe("the bot's answers", () => {
  const TWO_ANSWERS = JSON.stringify({
    answers: [{ text: 'One moment' }, { text: 'Connecting you', outputAdditions: { livechat: true } }],
  });

  test('go to the user from the drain, in order; the one asking for a handover starts it in the write that pops the message', async () => {
    outside.answer('bot', TWO_ANSWERS);
    const conversation = await botConversation();
    const { conversationId } = conversation;
    await appendAll(conversation, [text('m1', 'I want a human')]);
    const appended = await stateOf(conversation);

    await drain(conversation);

    expect(userSaw(conversationId)).toEqual(['One moment', 'Connecting you']);
    const stored = await stateOf(conversation);
    expect(stored).toMatchObject({ phase: 'presence', handover: { id: 'answer:m1:1' } });
    expect(stored?.inbox).toBeUndefined();
    // Two writes after the append: the take, then the pop with the handover (no pop of its own).
    expect(stored?.version).toBe((appended?.version ?? 0) + 2);
    // The answers were sent, not published; the handover's event is the only one.
    expect(rig.publisher.published(conversationId)).toEqual([['HandoverRequested', 'requested:answer:m1:1']]);
  });

  test('one the channel fails on goes on as an event with those after it, in the same write as the pop: the bot is asked once', async () => {
    outside.answer('bot', TWO_ANSWERS);
    outside.mode('web', '5xx');
    const conversation = await botConversation();
    const { conversationId } = conversation;
    await appendAll(conversation, [text('m1'), text('m2')]);

    await drain(conversation);

    // m1's first answer failed, so both of its answers and both of m2's went on as events.
    expect(botSaw(conversationId)).toEqual(['m1', 'm2']);
    expect(outside.of('web')).toHaveLength(2);
    expect(rig.publisher.published(conversationId)).toEqual([
      ['BotAnswered', 'answer:m1:0'],
      ['BotAnswered', 'answer:m1:1'],
      ['BotAnswered', 'answer:m2:0'],
      ['BotAnswered', 'answer:m2:1'],
    ]);
    const stored = await stateOf(conversation);
    expect(stored).toMatchObject({ phase: 'bot' });
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.outbox).toBeUndefined();
    expect(rig.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'answer not sent by the drain; it goes on as an event',
      }),
    );
  });

  test('one the channel refuses for good (a 4xx) is not retried, by the drain or by an event; the next is still tried', async () => {
    outside.answer('bot', TWO_ANSWERS);
    outside.mode('web', '4xx');
    const conversation = await botConversation();
    const { conversationId } = conversation;
    await appendAll(conversation, [text('m1')]);
    const undeliverable = () => rig.metrics.count('MessageUndeliverable');
    const before = undeliverable();

    await drain(conversation);

    expect(botSaw(conversationId)).toEqual(['m1']);
    expect(outside.of('web')).toHaveLength(2);
    expect(undeliverable() - before).toBe(2);
    // The handover the second answer asks for still starts; no answer went on as an event.
    expect(rig.publisher.published(conversationId)).toEqual([['HandoverRequested', 'requested:answer:m1:1']]);
    expect((await stateOf(conversation))?.inbox).toBeUndefined();
    const refusals = rig.logs.filter(
      (log) => log.message === 'message to the user refused by the channel; not retried',
    );
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toMatchObject({ level: 'error', fields: expect.objectContaining({ status: 422 }) });
    expect(JSON.stringify(refusals)).not.toContain('One moment');
  });

  test('past the send budget none is sent by the drain: all go on as events, the message popped', async () => {
    const conversation = await botConversation();
    const { tenantId, conversationId } = conversation;
    await appendAll(conversation, [text('m1')]);
    const taken = await rig.inbox.takeInboxHead(tenantId, conversationId, rig.clock.now(), HOLD_MS);
    if (!taken) throw new Error('the head was not taken');
    const tenant = rig.runtime.tenants.get(tenantId);
    if (!tenant) throw new Error('no tenant');

    await relayAnswers(
      rig.runtime,
      tenant,
      taken,
      text('m1'),
      [
        { id: 'm1:0', text: 'late' },
        { id: 'm1:1', text: 'later', outputAdditions: { livechat: true } },
      ],
      performance.now() - 1,
    );

    expect(outside.of('web')).toEqual([]);
    expect(rig.publisher.published(conversationId)).toEqual([
      ['BotAnswered', 'answer:m1:0'],
      ['BotAnswered', 'answer:m1:1'],
    ]);
    // The handover is asked for by its answer's event, not here.
    expect(await stateOf(conversation)).toMatchObject({ phase: 'bot' });
    expect((await stateOf(conversation))?.inbox).toBeUndefined();
  });
});

describe('a failing head', () => {
  test('a 5xx from the bot gives the head back; the third failure dead-letters it and the drain goes on to the next', async () => {
    outside.mode('bot', '5xx');
    const conversation = await botConversation();
    const { conversationId } = conversation;
    const m1 = text('m1', 'my card number is 4111 1111 1111 1111');
    const m2 = text('m2');
    await appendAll(conversation, [m1, m2]);
    const deadLetteredBefore = deadLettered(rig);

    await expect(drain(conversation)).rejects.toBeInstanceOf(OutsideCallError);
    // Given back, not held: the retry need not wait for the hold to pass.
    const afterFirst = await stateOf(conversation);
    expect(afterFirst?.inbox).toEqual([
      { message: m1, attempts: 1 },
      { message: m2, attempts: 0 },
    ]);
    expect(afterFirst?.inbox?.[0]).not.toHaveProperty('takenUntil');

    await expect(drain(conversation)).rejects.toMatchObject({ system: 'bot', kind: 'status', status: 500 });
    expect((await stateOf(conversation))?.inbox?.[0]).toEqual({ message: m1, attempts: 2 });
    expect(botSaw(conversationId)).toEqual(['m1', 'm1']);

    // The third attempt dead-letters m1, and the same drain tries m2 (which the bot fails on too).
    await expect(drain(conversation)).rejects.toBeInstanceOf(OutsideCallError);
    expect(botSaw(conversationId)).toEqual(['m1', 'm1', 'm1', 'm2']);
    expect(MAX_DELIVERY_ATTEMPTS).toBe(3);
    const afterThird = await stateOf(conversation);
    expect(afterThird?.deadLetters).toEqual([
      { message: m1, route: 'bot', reason: 'bot:status:500', at: T0 },
    ]);
    expect(afterThird?.inbox).toEqual([{ message: m2, attempts: 1 }]);
    expect(deadLettered(rig) - deadLetteredBefore).toBe(1);
    expect(rig.logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'message dead-lettered',
        fields: expect.objectContaining({ messageRef: idRef('m1'), route: 'bot', attempts: 3 }),
      }),
    );
    // The dead letter's reason and log name the failure, never what the user wrote.
    expect(JSON.stringify(rig.logs)).not.toContain('4111');

    outside.mode('bot', 'ok');
    outside.answer('bot', BOT_REPLY);
    await drain(conversation);

    expect(botSaw(conversationId)).toEqual(['m1', 'm1', 'm1', 'm2', 'm2']);
    expect(userSaw(conversationId)).toEqual(['noted']);
    const stored = await stateOf(conversation);
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.deadLetters).toEqual(afterThird?.deadLetters);
  });

  test('a 4xx the bot will give again dead-letters the head at the first attempt; a 429 is retried like a 5xx', async () => {
    const conversation = await seed(scriptedRig, 'bot', { conversationId: uniqueId('web') });
    const [m1, m2, m3] = [text('m1'), text('m2'), text('m3')];
    for (const message of [m1, m2, m3])
      expect(await append(conversation, message, scriptedRig)).toBe('appended');
    scripted.statuses.set('m1', 400);
    scripted.statuses.set('m3', 429);
    const deadLetteredBefore = deadLettered(scriptedRig);

    await expect(drain(conversation, scriptedRig.runtime)).rejects.toMatchObject({
      system: 'bot',
      kind: 'status',
      status: 429,
      retryable: true,
    });

    expect(scripted.seen).toEqual(['m1', 'm2', 'm3']);
    const stored = await stateOf(conversation, scriptedRig);
    expect(stored?.deadLetters).toEqual([{ message: m1, route: 'bot', reason: 'bot:status:400', at: T0 }]);
    expect(stored?.inbox).toEqual([{ message: m3, attempts: 1 }]);
    // m2 reached the bot and was popped; its answer went to the channel (here the scripted bot's
    // server, which refuses it with a 400: not retried, so no event either).
    expect(scriptedRig.publisher.published(conversation.conversationId)).toEqual([]);
    expect(deadLettered(scriptedRig) - deadLetteredBefore).toBe(1);
    expect(scriptedRig.logs).toContainEqual(
      expect.objectContaining({
        message: 'message dead-lettered',
        fields: expect.objectContaining({ messageRef: idRef('m1'), attempts: 1 }),
      }),
    );
  });

  test('an unreadable bot answer dead-letters the head at once: the bot would answer the same again', async () => {
    outside.mode('bot', 'garbage');
    const conversation = await botConversation();
    const m1 = text('m1');
    await appendAll(conversation, [m1]);

    await drain(conversation);

    expect(botSaw(conversation.conversationId)).toEqual(['m1']);
    const stored = await stateOf(conversation);
    expect(stored?.inbox).toBeUndefined();
    expect(stored?.deadLetters).toEqual([
      { message: m1, route: 'bot', reason: 'bot:invalid-response', at: T0 },
    ]);
  });
});

test('a head another drainer holds is left alone, nobody is called, until the clock reaches its takenUntil', async () => {
  const conversation = await botConversation();
  await appendAll(conversation, [text('m1'), text('m2')]);
  // A drainer that took the head and died: the store's take, as the drain makes it.
  const held = await rig.inbox.takeInboxHead('acme', conversation.conversationId, T0, HOLD_MS);
  if (!held) throw new Error('the head could not be taken');
  expect(held.inbox?.[0]).toMatchObject({ message: { id: 'm1' }, attempts: 1, takenUntil: T0 + HOLD_MS });

  await Promise.all([drain(conversation), drain(conversation)]);
  rig.setNow(T0 + HOLD_MS - 1);
  await drain(conversation);

  expect(outside.requests).toEqual([]);
  expect(await stateOf(conversation)).toEqual(held);

  // The holder died without giving the head back: once its hold has passed, another drain delivers.
  rig.setNow(T0 + HOLD_MS);
  await drain(conversation);

  expect(botSaw(conversation.conversationId)).toEqual(['m1', 'm2']);
  const stored = await stateOf(conversation);
  expect(stored?.inbox).toBeUndefined();
  expect(stored?.deadLetters).toBeUndefined();
});

test('a drainer gives back nothing another drainer has taken since: its hold passed while the bot kept it waiting', async () => {
  const conversation = await botConversation();
  await appendAll(conversation, [text('m1')]);
  outside.mode('bot', 'hang');
  rig.setNow(T0);
  const first = drain(conversation);
  while (botSaw(conversation.conversationId).length === 0)
    await new Promise((resolve) => setTimeout(resolve, 5));
  // The first drainer's hold passes while the bot does not answer (300 ms here): a second takes m1.
  rig.setNow(T0 + HOLD_MS + 1);
  const second = await rig.inbox.takeInboxHead('acme', conversation.conversationId, rig.clock.now(), HOLD_MS);
  const secondTake = second?.inbox?.[0]?.takenBy;
  expect(secondTake).toEqual(expect.any(String));

  // The first drainer's bot call times out; giving m1 back now would free it under the second.
  await expect(first).rejects.toBeInstanceOf(OutsideCallError);
  expect((await stateOf(conversation))?.inbox?.[0]).toMatchObject({
    message: { id: 'm1' },
    takenBy: secondTake,
    takenUntil: T0 + 2 * HOLD_MS + 1,
  });
});

test('while presence is checked a message waits untouched; a LIVECHAT_SESSION_START at the head is popped without a second handover', async () => {
  const conversation = await botConversation();
  const { conversationId } = conversation;
  const m3 = text('m3', 'hello?');
  await appendAll(conversation, [
    payload('s1', LIVECHAT_SESSION_START, 'https://shop.example/help'),
    payload('s2', LIVECHAT_SESSION_START),
    m3,
  ]);

  await drain(conversation);

  // s1 asked for the handover; s2 came while it was under way and changed nothing; m3 waits for the check.
  const stored = await stateOf(conversation);
  expect(stored).toMatchObject({
    phase: 'presence',
    handover: { id: 'start:s1', pageUrl: 'https://shop.example/help' },
  });
  expect(stored?.inbox).toEqual([{ message: m3, attempts: 0 }]);
  expect(rig.publisher.published(conversationId)).toEqual([['HandoverRequested', 'requested:start:s1']]);
  expect(outside.requests).toEqual([]);

  await Promise.all([drain(conversation), drain(conversation)]);

  expect(await stateOf(conversation)).toEqual(stored);
  expect(outside.requests).toEqual([]);
  expect(rig.publisher.events).toHaveLength(1);
});

describe('appending', () => {
  test('the same message id twice is appended once, also after it was delivered; the first creates the conversation', async () => {
    const conversationId = uniqueId('web');
    const fresh = newConversation('acme', conversationId, { type: 'web' }, rig.clock.now());

    expect(await append(fresh, text('m1'))).toBe('appended');
    expect(await append(fresh, text('m1', 'a redelivered webhook'))).toBe('duplicate');

    const stored = await stateOf(fresh);
    expect(stored).toMatchObject({ phase: 'bot', channel: { type: 'web' }, version: 1 });
    expect(stored?.inbox).toEqual([{ message: text('m1'), attempts: 0 }]);

    await drain(fresh);
    expect(await append(fresh, text('m1'))).toBe('duplicate');
    await drain(fresh);

    expect(botSaw(conversationId)).toEqual(['m1']);
    expect((await stateOf(fresh))?.inbox).toBeUndefined();
  });

  test('a web message into a WhatsApp conversation is refused and remembered nowhere', async () => {
    const whatsapp = await botConversation({ type: 'whatsapp', ...WHATSAPP_USER });
    const asWeb = newConversation('acme', whatsapp.conversationId, { type: 'web' }, rig.clock.now());

    expect(await append(asWeb, text('m1'))).toBe('channel_mismatch');
    expect(await stateOf(whatsapp)).toEqual(whatsapp);

    // The refused transaction did not keep the id: the same message from the right channel is new.
    expect(await append(whatsapp, text('m1'))).toBe('appended');
    expect((await stateOf(whatsapp))?.inbox).toEqual([{ message: text('m1'), attempts: 0 }]);
  });

  test(`an inbox of ${MAX_INBOX} refuses the next message until one is delivered`, async () => {
    const conversation = await botConversation();
    const ids = Array.from({ length: MAX_INBOX }, (_, index) => `m${index + 1}`);
    await appendAll(
      conversation,
      ids.map((id) => text(id)),
    );

    expect(await append(conversation, text('late'))).toBe('inbox_full');
    const full = await stateOf(conversation);
    expect(full?.inbox?.map((entry) => entry.message.id)).toEqual(ids);

    if (!full) throw new Error('the conversation was not stored');
    const popped = popHead(full, 'm1', rig.clock.now());
    if (!popped) throw new Error('m1 is not the head');
    await rig.store.save(popped, rig.clock.now());

    expect(await append(conversation, text('late'))).toBe('appended');
    expect((await stateOf(conversation))?.inbox?.map((entry) => entry.message.id)).toEqual([
      ...ids.slice(1),
      'late',
    ]);
  });
});

function startScriptedBot(): Promise<ScriptedBot> {
  const bodies: Array<z.infer<typeof botRequest>> = [];
  const statuses = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = readBotRequest(Buffer.concat(chunks).toString('utf8'));
      if (!body) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('not a bot request');
        return;
      }
      bodies.push(body);
      const status = statuses.get(body.messageId) ?? 200;
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(status === 200 ? BOT_REPLY : '{"error":"refused"}');
    });
  });
  const bot = {
    url: '',
    get seen() {
      return bodies.map((body) => body.messageId);
    },
    statuses,
    reset: () => {
      bodies.length = 0;
      statuses.clear();
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done())));
    },
  };
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address: AddressInfo | string | null = server.address();
      if (address === null || typeof address === 'string') throw new Error('the scripted bot has no port');
      bot.url = `http://127.0.0.1:${address.port}`;
      resolve(bot);
    });
  });
}

function readBotRequest(text: string): z.infer<typeof botRequest> | undefined {
  try {
    const raw: unknown = JSON.parse(text);
    const parsed = botRequest.safeParse(raw);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A promise and its resolve, for a test to let a held step go on. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
