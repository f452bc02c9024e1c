/**
 * The intake on DynamoDB Local, the questions delivered to a real web chat endpoint: beginIntake
 * (advance-intake) and the answers, appended to the inbox and drained (relay's drain).
 */
import { beginIntake } from '../../../functions/advance-intake/advance-intake';
import { drainInbox } from '../../../functions/relay/drain-inbox';
import { OutsideCallError } from '../../../shared/clients/http';
import type { Conversation } from '../../../shared/domain/conversation';
import { LIVECHAT_SESSION_END } from '../../../shared/domain/handover-trigger';
import type { UserMessage } from '../../../shared/events/shapes';
import { applyCommand } from '../../../shared/flow/apply-command';
import { sign } from '../../../shared/http/signature';
import { jsonBody, type OutsideServer, webDelivery, webTexts as webTextsOf } from './outside-server';
import { resetRigWithOutside, startRigWithOutside, stopRigWithOutside } from './rig-with-outside';
import { handoverIdOf, QUESTIONS, SECRETS, seed, type TestRig, uniqueId } from './runtime';

let outside: OutsideServer;
let rig: TestRig;

beforeAll(async () => {
  ({ rig, outside } = await startRigWithOutside('use-intake'));
});
afterAll(() => stopRigWithOutside({ rig, outside }));
beforeEach(() => resetRigWithOutside({ rig, outside }));

const webTexts = (conversationId: string): string[] => webTextsOf(outside, conversationId);

const TOPIC_TEXT = `${QUESTIONS.topic.prompt}\n1. Billing\n2. Technical`;
const EMAIL_REASK = `${QUESTIONS.email.reask}\n${QUESTIONS.email.prompt}`;

const intakeOf = (tenantId = 'acme') =>
  seed(rig, 'intake', { tenantId, conversationId: uniqueId('web'), additions: { mscChannel: 'Web' } });

/** An intake whose first question went out (IntakeStarted handled), the requests so far forgotten. */
const askedIntakeOf = async () => {
  const conversation = await intakeOf();
  await begin(conversation);
  outside.reset();
  return conversation;
};

const message = (id: string, text: string): UserMessage => ({ id, text, receivedAt: rig.clock.now() });

const DEDUPE = { scope: 'user-message', retentionSeconds: 3600 };

/** What the webhook does (append) without its MessagesWaiting, then the drain that event starts. */
const answer = async (conversation: Conversation, id: string, text: string) => {
  await rig.inbox.appendMessage(conversation, message(id, text), DEDUPE, rig.clock.now());
  await drain(conversation);
};

const drain = (conversation: Conversation) =>
  drainInbox(rig.runtime, { tenantId: conversation.tenantId, conversationId: conversation.conversationId });

const begin = (conversation: Conversation) =>
  beginIntake(rig.runtime, {
    tenantId: conversation.tenantId,
    conversationId: conversation.conversationId,
    handoverId: handoverIdOf(conversation),
  });

test('beginIntake asks question 0 through the signed web delivery endpoint, once however often it is delivered', async () => {
  const conversation = await intakeOf();

  await begin(conversation);
  await begin(conversation);

  const requests = outside.of('web');
  expect(requests).toHaveLength(1);
  const [request] = requests;
  expect(request).toMatchObject({
    method: 'POST',
    path: '/web/acme',
    headers: { 'content-type': 'application/json' },
  });
  expect(request?.headers['x-baton-signature']).toBe(sign(SECRETS.webSecret, request?.body ?? ''));
  expect(jsonBody(request, webDelivery)).toEqual({
    conversationId: conversation.conversationId,
    text: QUESTIONS.name.prompt,
  });
  expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
  expect(rig.publisher.events).toEqual([]);
});

test('answers move through the questions, an invalid one is re-asked, the last completes: handing_over + IntakeCompleted', async () => {
  const conversation = await askedIntakeOf();
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);

  await answer(conversation, 'm-1', '  Ada Lovelace ');
  expect((await rig.state('acme', conversationId))?.handover?.intake).toEqual({
    step: 1,
    answers: { name: 'Ada Lovelace' },
    invalidAttempts: 0,
    lastMessageId: 'm-1',
  });
  expect(webTexts(conversationId)).toEqual([QUESTIONS.email.prompt]);

  await answer(conversation, 'm-2', 'ada at example dot com');
  expect((await rig.state('acme', conversationId))?.handover?.intake).toEqual({
    step: 1,
    answers: { name: 'Ada Lovelace' },
    invalidAttempts: 1,
    lastMessageId: 'm-2',
  });
  expect(webTexts(conversationId)).toEqual([QUESTIONS.email.prompt, EMAIL_REASK]);

  await answer(conversation, 'm-3', 'Ada@Example.COM');
  expect((await rig.state('acme', conversationId))?.handover?.intake).toEqual({
    step: 2,
    answers: { name: 'Ada Lovelace', email: 'ada@example.com' },
    invalidAttempts: 0,
    lastMessageId: 'm-3',
  });
  expect(webTexts(conversationId)).toEqual([QUESTIONS.email.prompt, EMAIL_REASK, TOPIC_TEXT]);
  expect(rig.publisher.events).toEqual([]);

  await answer(conversation, 'm-4', '2');
  const answers = { name: 'Ada Lovelace', email: 'ada@example.com', topic: 'Technical' };
  const stored = await rig.state('acme', conversationId);
  expect(stored).toMatchObject({
    phase: 'handing_over',
    handover: { id: handoverId, intake: { step: 2, answers, invalidAttempts: 0 } },
  });
  // Completing asks nothing more; the hand-over tells the user.
  expect(webTexts(conversationId)).toHaveLength(3);
  expect(rig.publisher.published()).toEqual([['IntakeCompleted', `completed:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationId,
    handoverId,
    answers,
  });
});

test('the answer that completes the intake is taken and popped in one write; one that asks on is popped after its question went out', async () => {
  const conversation = await askedIntakeOf();
  const { conversationId } = conversation;
  const versionAfter = async () => (await rig.state('acme', conversationId))?.version ?? 0;

  await answer(conversation, 'm-1', 'Ada Lovelace');
  // The append, the take, the answer, the pop.
  expect(await versionAfter()).toBe(conversation.version + 4);
  await answer(conversation, 'm-2', 'ada@example.com');
  expect(await versionAfter()).toBe(conversation.version + 8);

  await answer(conversation, 'm-3', '2');
  // The append, the take, then the answer with the pop.
  expect(await versionAfter()).toBe(conversation.version + 11);
  const stored = await rig.state('acme', conversationId);
  expect(stored).toMatchObject({ phase: 'handing_over' });
  expect(stored?.inbox).toBeUndefined();
  expect(webTexts(conversationId)).toEqual([QUESTIONS.email.prompt, TOPIC_TEXT]);
});

test('three invalid answers to one question abandon the intake: bot + HandoverDeclined(intake_abandoned)', async () => {
  const conversation = await askedIntakeOf();
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);
  await answer(conversation, 'm-1', 'Grace Hopper');

  await answer(conversation, 'm-2', 'nope');
  await answer(conversation, 'm-3', 'still@nope');
  expect((await rig.state('acme', conversationId))?.handover?.intake?.invalidAttempts).toBe(2);
  await answer(conversation, 'm-4', '@@@');

  const stored = await rig.state('acme', conversationId);
  expect(stored).toMatchObject({ phase: 'bot' });
  expect(stored?.handover).toBeUndefined();
  expect(webTexts(conversationId)).toEqual([QUESTIONS.email.prompt, EMAIL_REASK, EMAIL_REASK]);
  expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationId,
    handoverId,
    channel: conversation.channel,
    reason: 'intake_abandoned',
  });
});

test('a cancel word (any case, padded) abandons the intake at once, even while re-asking', async () => {
  const conversation = await askedIntakeOf();
  const handoverId = handoverIdOf(conversation);
  await answer(conversation, 'm-1', 'x');

  await answer(conversation, 'm-2', '  CANCEL ');

  const stored = await rig.state('acme', conversation.conversationId);
  expect(stored).toMatchObject({ phase: 'bot' });
  expect(stored?.handover).toBeUndefined();
  expect(webTexts(conversation.conversationId)).toEqual([
    `${QUESTIONS.name.reask}\n${QUESTIONS.name.prompt}`,
  ]);
  expect(rig.publisher.events.map((event) => event.detail.data)).toEqual([
    expect.objectContaining({ handoverId, reason: 'intake_abandoned' }),
  ]);
});

test('LIVECHAT_SESSION_END during the intake abandons it as a cancel word does, instead of passing for the name', async () => {
  const conversation = await askedIntakeOf();
  const handoverId = handoverIdOf(conversation);

  await rig.inbox.appendMessage(
    conversation,
    { id: 'm-1', payload: LIVECHAT_SESSION_END, receivedAt: rig.clock.now() },
    DEDUPE,
    rig.clock.now(),
  );
  await drain(conversation);

  const stored = await rig.state('acme', conversation.conversationId);
  expect(stored).toMatchObject({ phase: 'bot' });
  expect(stored?.handover).toBeUndefined();
  expect(webTexts(conversation.conversationId)).toEqual([]);
  expect(rig.publisher.events.map((event) => event.detail.data)).toEqual([
    expect.objectContaining({ handoverId, reason: 'intake_abandoned' }),
  ]);
});

test('the same message appended twice and drained twice, one after the other and at once, advances once and sends once', async () => {
  const conversation = await askedIntakeOf();
  const { conversationId } = conversation;

  await answer(conversation, 'm-1', 'Alan Turing');
  await answer(conversation, 'm-1', 'Alan Turing');
  await rig.inbox.appendMessage(conversation, message('m-2', 'alan@example.com'), DEDUPE, rig.clock.now());
  await rig.inbox.appendMessage(conversation, message('m-2', 'alan@example.com'), DEDUPE, rig.clock.now());
  await Promise.all([drain(conversation), drain(conversation), drain(conversation)]);

  const stored = await rig.state('acme', conversationId);
  expect(stored?.inbox).toBeUndefined();
  expect(stored?.handover?.intake).toEqual({
    step: 2,
    answers: { name: 'Alan Turing', email: 'alan@example.com' },
    invalidAttempts: 0,
    lastMessageId: 'm-2',
  });
  expect(webTexts(conversationId)).toEqual([QUESTIONS.email.prompt, TOPIC_TEXT]);
  expect(rig.publisher.events).toEqual([]);
});

test('a retry after the question could not be sent sends it without taking the answer again', async () => {
  const conversation = await askedIntakeOf();
  outside.mode('web', '5xx');

  await expect(answer(conversation, 'm-1', 'Alan Turing')).rejects.toBeInstanceOf(OutsideCallError);
  const afterFailure = await rig.state('acme', conversation.conversationId);
  expect(afterFailure?.handover?.intake).toMatchObject({ step: 1, lastMessageId: 'm-1' });
  // Given back, not held: the retry need not wait.
  expect(afterFailure?.inbox).toEqual([{ message: expect.objectContaining({ id: 'm-1' }), attempts: 1 }]);

  outside.mode('web', 'ok');
  await drain(conversation);

  const stored = await rig.state('acme', conversation.conversationId);
  expect(stored?.handover).toEqual(afterFailure?.handover);
  expect(stored?.inbox).toBeUndefined();
  expect(outside.of('web')).toHaveLength(2);
  expect(webTexts(conversation.conversationId)).toEqual([QUESTIONS.email.prompt, QUESTIONS.email.prompt]);
  expect(rig.publisher.events).toEqual([]);
});

test("a message while the presence check is under way waits in the inbox; the check's outcome starts its drain", async () => {
  const inPresence = await seed(rig, 'presence', {
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
  });

  await answer(inPresence, 'm-1', 'Ada Lovelace');
  const waiting = await rig.state('acme', inPresence.conversationId);
  expect(waiting).toMatchObject({ phase: 'presence', handover: inPresence.handover });
  expect(waiting?.inbox).toEqual([{ message: expect.objectContaining({ id: 'm-1' }), attempts: 0 }]);
  expect(outside.requests).toEqual([]);

  // The presence check decides; its write asks for the drain, which takes the message as the first answer.
  await applyCommand(rig.runtime, 'acme', inPresence.conversationId, () => ({
    type: 'presenceChecked',
    status: 'online',
  }));
  expect(rig.publisher.published()).toContainEqual(['MessagesWaiting', expect.stringMatching(/^waiting:v/)]);
  await drain(inPresence);

  expect((await rig.state('acme', inPresence.conversationId))?.handover?.intake).toMatchObject({
    step: 1,
    answers: { name: 'Ada Lovelace' },
  });
  // The drain came before IntakeStarted's beginIntake (the same write published both): it sent the
  // first question itself, before taking its answer. beginIntake, coming second, sends nothing.
  expect(webTexts(inPresence.conversationId)).toEqual([QUESTIONS.name.prompt, QUESTIONS.email.prompt]);
  await begin(inPresence);
  expect(webTexts(inPresence.conversationId)).toEqual([QUESTIONS.name.prompt, QUESTIONS.email.prompt]);
});

test('a message while the desk is asked waits for its answer, then goes to the agent; nothing reaches a desk that has not taken the conversation', async () => {
  const handingOver = await seed(rig, 'handing_over', {
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
    answers: { name: 'Ada Lovelace' },
  });
  const { conversationId } = handingOver;

  await answer(handingOver, 'm-9', 'are you there?');
  const waiting = await rig.state('acme', conversationId);
  expect(waiting?.handover).toEqual(handingOver.handover);
  expect(waiting?.inbox).toEqual([{ message: expect.objectContaining({ id: 'm-9' }), attempts: 0 }]);
  expect(outside.requests).toEqual([]);

  // The desk took it: the write that says so asks for the drain.
  await applyCommand(rig.runtime, 'acme', conversationId, () => ({
    type: 'handoverSucceeded',
    lockMs: 60_000,
  }));
  expect(rig.publisher.published()).toContainEqual(['MessagesWaiting', expect.stringMatching(/^waiting:v/)]);
  await drain(handingOver);

  expect((await rig.state('acme', conversationId))?.inbox).toBeUndefined();
  expect(outside.of('web')).toEqual([]);
  expect(outside.requests.map((request) => request.path)).toEqual([expect.stringMatching(/messages$/)]);
});

test('a message while the desk is asked goes to the bot when the desk refuses the handover', async () => {
  const handingOver = await seed(rig, 'handing_over', {
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web' },
    answers: { name: 'Ada Lovelace' },
  });

  await answer(handingOver, 'm-9', 'are you there?');
  await applyCommand(rig.runtime, 'acme', handingOver.conversationId, () => ({
    type: 'handoverFailed',
    stage: 'desk:status',
  }));
  await drain(handingOver);

  expect((await rig.state('acme', handingOver.conversationId))?.inbox).toBeUndefined();
  expect(outside.of('bot')).toHaveLength(1);
  expect(outside.requests.filter((request) => request.path.endsWith('/messages'))).toEqual([]);
});

test('the message behind the answer that completes the intake waits for the desk: no drain is asked for, nothing forwarded', async () => {
  const conversation = await askedIntakeOf();
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);
  await answer(conversation, 'm-1', 'Ada Lovelace');
  await answer(conversation, 'm-2', 'ada@example.com');
  rig.publisher.reset();
  for (const [id, text] of [
    ['m-3', '2'],
    ['m-4', 'hello?'],
  ] as const)
    await rig.inbox.appendMessage(conversation, message(id, text), DEDUPE, rig.clock.now());

  await drain(conversation);

  // m-3 completed the intake (and was popped with it); m-4 waits for the desk's answer.
  const stored = await rig.state('acme', conversationId);
  expect(stored).toMatchObject({ phase: 'handing_over' });
  expect(stored?.inbox).toEqual([{ message: expect.objectContaining({ id: 'm-4' }), attempts: 0 }]);
  expect(outside.requests.filter((request) => request.path.endsWith('/messages'))).toEqual([]);
  expect(rig.publisher.published()).toEqual([['IntakeCompleted', `completed:${handoverId}`]]);
});

test('a tenant without intake questions completes the intake at once: handing_over + IntakeCompleted({})', async () => {
  const conversation = await intakeOf('hooks');
  const handoverId = handoverIdOf(conversation);

  await begin(conversation);

  expect(await rig.state('hooks', conversation.conversationId)).toMatchObject({
    phase: 'handing_over',
    version: conversation.version + 1,
  });
  expect(outside.requests).toEqual([]);
  expect(rig.publisher.published()).toEqual([['IntakeCompleted', `completed:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toMatchObject({ answers: {} });
});
