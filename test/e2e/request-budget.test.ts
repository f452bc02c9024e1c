/**
 * What a message and a handover cost in DynamoDB requests, through the real handlers on the local
 * stack: the figures `npm run bench` reports, held as a budget so a change that adds a read or a
 * write on these paths fails here instead of showing up later in a benchmark or a bill. Counts do
 * not depend on how loaded the machine is. The counter sits on the stack's one DynamoDB client at
 * the `initialize` step, so it sees every request each function makes, and no SDK retry.
 */
import type { LocalStack } from '../../infra/local/stack';
import { Flow } from '../support/flow';
import { postWeb } from '../support/http';
import { startTestStack } from '../support/local-stack';
import { type CountedRequest, RequestCounter } from '../support/request-counter';

/** The shortest complete handover: generic webhook desk (live on its claim), one intake question (the email). */
const TENANT = 'demo2';

let stack: LocalStack;
let flow: Flow;
let counter: RequestCounter;

beforeAll(async () => {
  // No sweep on its timer: one firing inside a counted step would be counted with it.
  ({ stack } = await startTestStack({ scheduleTimers: false }));
  flow = new Flow(stack);
  counter = new RequestCounter(stack);
});
afterAll(() => stack.stop());

/** `PutItem C`: the command and the kind of item it touched. */
const names = (counted: readonly CountedRequest[]) =>
  counted.map((request) => `${request.command} ${request.kind}`.trim());
const isPresence = (request: CountedRequest) => request.kind === 'P' || request.kind === 'R';

test('a message to a conversation the bot owns: one request to take it in, one to deliver it and record the answer', async () => {
  await flow.web(TENANT, 'budget-message', { text: 'hello' });

  const counted = await counter.during(() =>
    flow.web(TENANT, 'budget-message', { text: 'what are your opening hours?' }),
  );

  // Ingest: append and remember the message id in one transaction. The stream's consumer: the write
  // that pops it once the bot's answer went out (reading the stream is not a table request).
  expect(names(counted)).toEqual(['TransactWriteItems', 'PutItem C']);
  expect(counted.filter((request) => request.error)).toEqual([]);
});

test('a redelivered webhook costs one refused request and sets nothing off', async () => {
  await flow.web(TENANT, 'budget-duplicate', { text: 'hello' });
  const body = { conversationId: 'budget-duplicate', messageId: 'budget-dup-1', text: 'once' };
  expect((await postWeb(stack.url, TENANT, body)).status).toBe(200);

  const counted = await counter.during(async () => {
    expect((await postWeb(stack.url, TENANT, body)).status).toBe(200);
  });

  expect(counted).toEqual([
    { command: 'TransactWriteItems', kind: '', error: 'TransactionCanceledException' },
  ]);
});

test('a complete handover stays within its request budget', async () => {
  await flow.web(TENANT, 'budget-handover', { text: 'hello' });

  const counted = await counter.during(async () => {
    await flow.web(TENANT, 'budget-handover', { text: 'I need an agent' });
    await flow.web(TENANT, 'budget-handover', { text: 'ada@example.com' });
  });

  expect((await flow.state(TENANT, 'budget-handover')).phase).toBe('agent');
  // The presence check's share depends on its cache and on the tenant's queue of presence calls,
  // so it has a budget of its own: read the cached answer, or reserve a call and store the answer
  // (3 requests, as measured on a quiet machine). On a busy one, the reservation's answer may come
  // back more than 150 ms after the turn it gave: the turn is given up and the call queues once
  // more behind it (a read, two reservation requests, a read after the wait: 7).
  const presence = counted.filter(isPresence);
  const rest = counted.filter((request) => !isPresence(request));
  expect(presence.length).toBeLessThanOrEqual(7);
  // The bot's status events (requested, accepted, claimed) cost nothing: the conveyor tells them from
  // the records of the steps' writes, hand-over the acceptance it holds, with no once-only record.
  expect(counted.filter((request) => request.kind === 'I')).toEqual([]);
  expect(names(rest)).toEqual([
    // "I need an agent": appended; the conveyor pops it with the handover request in one write.
    'TransactWriteItems',
    'PutItem C',
    // check-presence: reads the conversation, writes the answer (the intake starts; the conveyor
    // asks the first question from that write's record, with no request).
    'GetItem C',
    'PutItem C',
    // The email: appended; the conveyor takes the answer, completes the intake and pops it in one write.
    'TransactWriteItems',
    'PutItem C',
    // hand-over: marks the desk asked, reading the conversation in the same request. The desk
    // claims through the agent API: a read and the write that locks it (the notice "an agent
    // joined" goes out from that write's record, with no request).
    'UpdateItem C',
    'GetItem C',
    'PutItem C',
  ]);
  // 12 in all with the presence check's 3 on a quiet machine.
  expect(rest.length + 3).toBeLessThanOrEqual(12);
});
