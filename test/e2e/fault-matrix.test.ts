/**
 * The fault matrix of the README, row by row, through the local stack: what the user sees, what
 * state results, what is retried and what reaches a dead-letter queue. (Presence and desk 5xx /
 * timeout rows, and the AWS service rows, are in handover-flow.test.ts and faults-aws.test.ts.)
 */
import type { LocalStack } from '../../infra/local/stack';
import { Flow } from '../support/flow';
import { startTestStack } from '../support/local-stack';

let stack: LocalStack;
let flow: Flow;

beforeAll(async () => {
  ({ stack } = await startTestStack());
  flow = new Flow(stack);
});
afterAll(() => stack.stop());
beforeEach(() => flow.reset());

const deadLettersSince = (before: number) =>
  stack.bus.deadLetters.slice(before).map((letter) => [letter.functionName, letter.detailType]);

test('desk 4xx: no handover, the user is told, nothing retried', async () => {
  await flow.mode('msc', 'reject');
  await flow.web('demo', 'f-desk-4xx', { text: 'agent' });
  await flow.web('demo', 'f-desk-4xx', { text: 'Ada' });
  await flow.web('demo', 'f-desk-4xx', { text: 'ada@example.com' });
  expect(await flow.state('demo', 'f-desk-4xx')).toMatchObject({ phase: 'bot', lockExpiresAt: null });
  expect((await flow.userTexts('f-desk-4xx')).at(-1)).toBe(
    'Sorry, I could not reach an agent. You can keep chatting with me.',
  );
  expect((await flow.log({ system: 'msc' })).length).toBe(1);
  expect(
    stack.metrics.points.filter((point) => point.name === 'HandoverFailed').map((point) => point.stage),
  ).toEqual(['desk:status']);
});

test('channel 5xx: the delivery is retried, then dead-lettered; the bot is asked once', async () => {
  const before = stack.bus.deadLetters.length;
  await flow.mode('channel', 'error');
  await flow.web('demo', 'f-channel-5xx', { text: 'hello' });
  // The conveyor's own send, then the relay's, from the item (MessageUnsent), with the bus's 3 attempts.
  expect((await flow.systems('f-channel-5xx')).filter((system) => system === 'web')).toHaveLength(1 + 3);
  expect((await flow.systems('f-channel-5xx')).filter((system) => system === 'bot')).toHaveLength(1);
  expect(deadLettersSince(before)).toEqual([['relay', 'MessageUnsent']]);
  expect((await flow.state('demo', 'f-channel-5xx')).phase).toBe('bot');
});

test('channel timeout: the same, after the 2 s client timeout of each attempt', async () => {
  const before = stack.bus.deadLetters.length;
  await flow.mode('channel', 'timeout');
  await flow.web('demo', 'f-channel-timeout', { text: 'hello' });
  expect((await flow.systems('f-channel-timeout')).filter((system) => system === 'web')).toHaveLength(1 + 3);
  expect(deadLettersSince(before)).toEqual([['relay', 'MessageUnsent']]);
}, 20_000);

test('bot timeout: the message is tried 3 times, then dead-lettered on the conversation; the user hears nothing and stays with the bot', async () => {
  const before = stack.bus.deadLetters.length;
  await flow.mode('bot', 'timeout');
  await flow.web('demo', 'f-bot-timeout', { text: 'hello' });
  expect(await flow.systems('f-bot-timeout')).toEqual(['bot', 'bot', 'bot']);
  // The drain gave up on the message, so the messages behind it are not held up.
  expect(deadLettersSince(before)).toEqual([]);
  expect(await flow.state('demo', 'f-bot-timeout')).toMatchObject({
    phase: 'bot',
    waiting: 0,
    deadLetters: [{ messageId: expect.any(String), route: 'bot', reason: 'bot:timeout' }],
  });
  await flow.mode('bot', 'ok');
  await flow.web('demo', 'f-bot-timeout', { text: 'still there?' });
  expect(await flow.userTexts('f-bot-timeout')).toEqual(['echo: still there?']);
}, 20_000);
