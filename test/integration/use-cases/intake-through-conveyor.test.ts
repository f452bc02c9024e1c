/**
 * The intake on DynamoDB Local, driven by the conveyor reading the table's stream, the questions
 * delivered to a real web chat endpoint on 127.0.0.1: the write that starts the intake has its
 * first question asked, before any answer; each answer appended to the inbox is taken and popped
 * in one write, then the next question (or the re-ask) goes out; the intake completes, or is
 * abandoned by a cancel word, LIVECHAT_SESSION_END or too many invalid answers.
 */

import type { Command, Conversation } from '../../../shared/domain/conversation';
import { LIVECHAT_SESSION_END } from '../../../shared/domain/livechat-payloads';
import type { UserMessage } from '../../../shared/events/shapes';
import { conversationRef } from '../../../shared/log/logger';
import { signatureOf } from '../../support/signed';
import type { ConveyorDriver } from './conveyor-driver';
import { jsonBody, type OutsideServer, webDelivery, webTexts } from './outside-server';
import { useDirectRig, useRigWithOutside } from './rig-with-outside';
import { appliedOn, handoverIdOf, QUESTIONS, SECRETS, seed, type TestRig, uniqueId } from './runtime';
import { conveyRecords, recorded } from './stream-records';

const setup = useRigWithOutside('use-intake');
let outside: OutsideServer;
let rig: TestRig;
let conveyor: ConveyorDriver;
/** Its own table, read by nobody: the tests hand its records to the handler. */
const directRig = useDirectRig('use-intake', setup);
let direct: TestRig;

beforeAll(async () => {
  ({ rig, outside, conveyor } = setup);
  direct = directRig.rig;
});

const TOPIC_TEXT = `${QUESTIONS.topic.prompt}\n1. Billing\n2. Technical`;
const EMAIL_REASK = `${QUESTIONS.email.reask}\n${QUESTIONS.email.prompt}`;

/**
 * What the user was told, in order, but the handover notices the conveyor sends (intake cancelled,
 * no agents, ...): their own tests say when those go out.
 */
const userSaw = (conversationId: string): string[] => {
  const notices = new Set<string>(Object.values(rig.tenant('acme').messages));
  return webTexts(outside, conversationId).filter((text) => !notices.has(text));
};

const message = (id: string, text: string): UserMessage => ({ id, text, receivedAt: rig.clock.now() });

const DEDUPE = { scope: 'user-message', retentionSeconds: 3600 };

const append = (conversation: Conversation, entry: UserMessage, on: TestRig = rig) =>
  on.inbox.appendMessage(conversation, entry, DEDUPE, on.clock.now());

/** What ingest does (the append), then the conveyor on what it wrote. */
const answer = async (conversation: Conversation, id: string, text: string) => {
  expect(await append(conversation, message(id, text))).toBe('appended');
  await conveyor.convey();
};

const apply = (conversation: Conversation, command: Command, on: TestRig = rig) =>
  appliedOn(on, conversation, command);

const stateOf = (conversation: Conversation) => rig.state(conversation.tenantId, conversation.conversationId);

/** A conversation whose presence check is under way, its seeding conveyed and forgotten. */
const presenceOf = async (tenantId = 'acme') => {
  const conversation = await seed(rig, 'presence', {
    tenantId,
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
  });
  await conveyor.convey();
  outside.reset();
  rig.publisher.reset();
  return conversation;
};

/** check-presence's write for an agent online: the intake starts. */
const agentsOnline = (conversation: Conversation, on: TestRig = rig) =>
  apply(
    conversation,
    { type: 'presenceChecked', handoverId: handoverIdOf(conversation), status: 'online' },
    on,
  );

/** An intake whose first question went out, the requests so far forgotten. */
const askedIntakeOf = async () => {
  const conversation = await presenceOf();
  const started = await agentsOnline(conversation);
  await conveyor.convey();
  expect(userSaw(conversation.conversationId)).toEqual([QUESTIONS.name.prompt]);
  outside.reset();
  return started;
};

test('the write that starts the intake has its first question asked, once, through the signed web delivery endpoint', async () => {
  const conversation = await presenceOf();
  const started = await agentsOnline(conversation);

  await conveyor.convey();
  await conveyor.convey();

  const requests = outside.of('web');
  expect(requests).toHaveLength(1);
  const [request] = requests;
  expect(request).toMatchObject({
    method: 'POST',
    path: '/web/acme',
    headers: { 'content-type': 'application/json' },
  });
  expect(signatureOf(SECRETS.webSecret, request)).toBe('valid');
  expect(jsonBody(request, webDelivery)).toEqual({
    conversationId: conversation.conversationId,
    text: QUESTIONS.name.prompt,
  });
  // Asking wrote nothing; the intake's start has no event of its own.
  expect(await stateOf(conversation)).toEqual(started);
  expect(rig.publisher.events).toEqual([]);
});

test('a message that waited through the presence check is the first answer: the first question goes out before it is taken', async () => {
  const conversation = await presenceOf();
  await answer(conversation, 'm-1', 'Ada Lovelace');
  expect((await stateOf(conversation))?.inbox).toEqual([{ message: message('m-1', 'Ada Lovelace') }]);
  expect(outside.requests).toEqual([]);

  await agentsOnline(conversation);
  await conveyor.convey();

  expect(userSaw(conversation.conversationId)).toEqual([QUESTIONS.name.prompt, QUESTIONS.email.prompt]);
  const stored = await stateOf(conversation);
  expect(stored?.handover?.intake).toEqual({
    step: 1,
    answers: { name: 'Ada Lovelace' },
    invalidAttempts: 0,
    lastMessageId: 'm-1',
  });
  expect(stored?.inbox).toBeUndefined();
});

test('answers move through the questions, each taken and popped in one write; an invalid one is re-asked; the last completes: handing_over + IntakeCompleted', async () => {
  const conversation = await askedIntakeOf();
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);
  const versionAfter = async () => (await stateOf(conversation))?.version ?? 0;

  await answer(conversation, 'm-1', '  Ada Lovelace ');
  expect((await stateOf(conversation))?.handover?.intake).toEqual({
    step: 1,
    answers: { name: 'Ada Lovelace' },
    invalidAttempts: 0,
    lastMessageId: 'm-1',
  });
  expect(userSaw(conversationId)).toEqual([QUESTIONS.email.prompt]);
  // The append, then one write that took the answer and popped it.
  expect(await versionAfter()).toBe(conversation.version + 2);

  await answer(conversation, 'm-2', 'ada at example dot com');
  expect((await stateOf(conversation))?.handover?.intake).toEqual({
    step: 1,
    answers: { name: 'Ada Lovelace' },
    invalidAttempts: 1,
    lastMessageId: 'm-2',
  });
  expect(userSaw(conversationId)).toEqual([QUESTIONS.email.prompt, EMAIL_REASK]);

  await answer(conversation, 'm-3', 'Ada@Example.COM');
  expect((await stateOf(conversation))?.handover?.intake).toEqual({
    step: 2,
    answers: { name: 'Ada Lovelace', email: 'ada@example.com' },
    invalidAttempts: 0,
    lastMessageId: 'm-3',
  });
  expect(userSaw(conversationId)).toEqual([QUESTIONS.email.prompt, EMAIL_REASK, TOPIC_TEXT]);
  expect(rig.publisher.events).toEqual([]);

  await answer(conversation, 'm-4', '2');
  const answers = { name: 'Ada Lovelace', email: 'ada@example.com', topic: 'Technical' };
  const stored = await stateOf(conversation);
  expect(stored).toMatchObject({
    phase: 'handing_over',
    handover: { id: handoverId, intake: { step: 2, answers, invalidAttempts: 0 } },
  });
  expect(stored?.inbox).toBeUndefined();
  expect(await versionAfter()).toBe(conversation.version + 8);
  // Completing asks nothing more; hand-over takes it from its event.
  expect(userSaw(conversationId)).toHaveLength(3);
  expect(rig.publisher.published(conversationId)).toEqual([['IntakeCompleted', `completed:${handoverId}`]]);
  // The event names the handover; the answers (a name, an email) stay in the table for hand-over.
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationRef: conversationRef('acme', conversationId),
    handoverId,
    agentStatus: 'online',
  });
  expect(stored?.handover?.intake?.answers).toEqual(answers);
});

test('three invalid answers to one question abandon the intake: bot + HandoverDeclined(intake_abandoned)', async () => {
  const conversation = await askedIntakeOf();
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);
  await answer(conversation, 'm-1', 'Grace Hopper');

  await answer(conversation, 'm-2', 'nope');
  await answer(conversation, 'm-3', 'still@nope');
  expect((await stateOf(conversation))?.handover?.intake?.invalidAttempts).toBe(2);
  await answer(conversation, 'm-4', '@@@');

  const stored = await stateOf(conversation);
  expect(stored).toMatchObject({ phase: 'bot' });
  expect(stored?.handover).toBeUndefined();
  expect(stored?.inbox).toBeUndefined();
  expect(userSaw(conversationId)).toEqual([QUESTIONS.email.prompt, EMAIL_REASK, EMAIL_REASK]);
  expect(rig.publisher.published(conversationId)).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationRef: conversationRef('acme', conversationId),
    handoverId,
    agentStatus: 'online',
    reason: 'intake_abandoned',
    abandoned: 'too_many_invalid',
  });
  // The conversation is the bot's again: the next message is the bot's.
  await answer(conversation, 'm-5', 'hello bot');
  expect(outside.of('bot')).toHaveLength(1);
});

test('a cancel word (any case, padded) abandons the intake at once, even while re-asking', async () => {
  const conversation = await askedIntakeOf();
  const handoverId = handoverIdOf(conversation);
  await answer(conversation, 'm-1', 'x');

  await answer(conversation, 'm-2', '  CANCEL ');

  const stored = await stateOf(conversation);
  expect(stored).toMatchObject({ phase: 'bot' });
  expect(stored?.handover).toBeUndefined();
  expect(userSaw(conversation.conversationId)).toEqual([`${QUESTIONS.name.reask}\n${QUESTIONS.name.prompt}`]);
  expect(rig.publisher.events.map((event) => event.detail.data)).toEqual([
    expect.objectContaining({ handoverId, reason: 'intake_abandoned' }),
  ]);
  expect(outside.of('bot')).toEqual([]);
});

test('LIVECHAT_SESSION_END during the intake abandons it as a cancel word does, instead of passing for the name', async () => {
  const conversation = await askedIntakeOf();
  const handoverId = handoverIdOf(conversation);

  expect(
    await append(conversation, { id: 'm-1', payload: LIVECHAT_SESSION_END, receivedAt: rig.clock.now() }),
  ).toBe('appended');
  await conveyor.convey();

  const stored = await stateOf(conversation);
  expect(stored).toMatchObject({ phase: 'bot' });
  expect(stored?.handover).toBeUndefined();
  expect(stored?.inbox).toBeUndefined();
  expect(userSaw(conversation.conversationId)).toEqual([]);
  expect(rig.publisher.events.map((event) => event.detail.data)).toEqual([
    expect.objectContaining({ handoverId, reason: 'intake_abandoned' }),
  ]);
  expect(outside.of('bot')).toEqual([]);
});

test('the same message delivered twice by the channel is appended once: the intake advances once and asks once', async () => {
  const conversation = await askedIntakeOf();

  expect(await append(conversation, message('m-1', 'Alan Turing'))).toBe('appended');
  expect(await append(conversation, message('m-1', 'Alan Turing'))).toBe('duplicate');
  await conveyor.convey();
  expect(await append(conversation, message('m-1', 'Alan Turing'))).toBe('duplicate');
  await conveyor.convey();

  const stored = await stateOf(conversation);
  expect(stored?.inbox).toBeUndefined();
  expect(stored?.handover?.intake).toEqual({
    step: 1,
    answers: { name: 'Alan Turing' },
    invalidAttempts: 0,
    lastMessageId: 'm-1',
  });
  expect(userSaw(conversation.conversationId)).toEqual([QUESTIONS.email.prompt]);
});

test('a question the channel keeps failing on is tried three times, then given up; its answer is taken once and the intake goes on', async () => {
  const conversation = await askedIntakeOf();
  outside.mode('web', '5xx');
  const undeliverable = () => rig.metrics.count('MessageUndeliverable');
  const before = undeliverable();

  await answer(conversation, 'm-1', 'Alan Turing');

  expect(outside.of('web')).toHaveLength(3);
  expect(undeliverable() - before).toBe(1);
  expect(rig.logs).toContainEqual(
    expect.objectContaining({
      level: 'error',
      message: 'intake question not sent; given up',
      fields: expect.objectContaining({ attempts: 3 }),
    }),
  );
  const afterFailure = await stateOf(conversation);
  expect(afterFailure?.handover?.intake).toEqual({
    step: 1,
    answers: { name: 'Alan Turing' },
    invalidAttempts: 0,
    lastMessageId: 'm-1',
  });
  expect(afterFailure?.inbox).toBeUndefined();

  outside.mode('web', 'ok');
  await answer(conversation, 'm-2', 'alan@example.com');

  expect((await stateOf(conversation))?.handover?.intake).toMatchObject({
    step: 2,
    answers: { name: 'Alan Turing', email: 'alan@example.com' },
  });
  expect(userSaw(conversation.conversationId)).toEqual([
    QUESTIONS.email.prompt,
    QUESTIONS.email.prompt,
    QUESTIONS.email.prompt,
    TOPIC_TEXT,
  ]);
  expect(rig.publisher.events).toEqual([]);
});

test('the message behind the answer that completes the intake waits for the desk: nothing forwarded, nothing taken', async () => {
  const conversation = await askedIntakeOf();
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);
  await answer(conversation, 'm-1', 'Ada Lovelace');
  await answer(conversation, 'm-2', 'ada@example.com');

  expect(await append(conversation, message('m-3', '2'))).toBe('appended');
  expect(await append(conversation, message('m-4', 'hello?'))).toBe('appended');
  await conveyor.convey();

  // m-3 completed the intake (and was popped with it); m-4 waits for the desk's answer.
  const stored = await stateOf(conversation);
  expect(stored).toMatchObject({ phase: 'handing_over' });
  expect(stored?.inbox).toEqual([{ message: message('m-4', 'hello?') }]);
  expect(stored?.handover?.intake?.answers).toEqual({
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    topic: 'Technical',
  });
  expect(outside.of('msc')).toEqual([]);
  expect(outside.of('bot')).toEqual([]);
  expect(rig.publisher.published(conversationId)).toEqual([['IntakeCompleted', `completed:${handoverId}`]]);
});

test('a tenant without intake questions completes the intake in the write after the one that started it: handing_over + IntakeCompleted({}); a waiting message waits on for the desk', async () => {
  const conversation = await presenceOf('hooks');
  const handoverId = handoverIdOf(conversation);
  expect(await append(conversation, message('m-1', 'anyone?'))).toBe('appended');
  await conveyor.convey();

  const started = await agentsOnline(conversation);
  await conveyor.convey();

  const stored = await rig.state('hooks', conversation.conversationId);
  expect(stored).toMatchObject({ phase: 'handing_over', version: started.version + 1 });
  expect(stored?.inbox).toEqual([{ message: message('m-1', 'anyone?') }]);
  expect(outside.requests).toEqual([]);
  expect(rig.publisher.published(conversation.conversationId)).toEqual([
    ['IntakeCompleted', `completed:${handoverId}`],
  ]);
  expect(rig.publisher.events[0]?.detail.data).not.toHaveProperty('answers');
});

// A record given again (a whole batch replayed, after the function timed out) must not take its
// answer a second time, against the next question: the take is in the pop, and the pop is once.
test('a record of an answer given to the conveyor twice takes the answer once and asks once', async () => {
  const conversation = await seed(direct, 'intake', {
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
  });
  const record = await recorded(direct, conversation, async () => {
    expect(await append(conversation, message('m-1', 'Ada Lovelace'), direct)).toBe('appended');
  });

  await conveyRecords(direct.runtime, [record]);
  await conveyRecords(direct.runtime, [record]);

  expect((await direct.state('acme', conversation.conversationId))?.handover?.intake).toEqual({
    step: 1,
    answers: { name: 'Ada Lovelace' },
    invalidAttempts: 0,
    lastMessageId: 'm-1',
  });
  expect(webTexts(outside, conversation.conversationId)).toEqual([QUESTIONS.email.prompt]);
});
