/**
 * Every function outlives the slowest work it may be given, so a slow outside system fails a call,
 * not the whole invocation halfway through a step.
 */
import { SEND_ANSWERS_BUDGET_MS } from '../../functions/conveyor/deliver-head';
import { DESK_ATTEMPTS } from '../../functions/hand-over/hand-over';
import { UNSENT_RUN_BUDGET_MS } from '../../functions/relay/deliver-unsent';
import { functionNamed } from '../../infra/topology';
import { MAX_OUTSIDE_TIMEOUT_MS } from '../../shared/config/tenants';
import { MAX_DELIVERY_ATTEMPTS } from '../../shared/domain/inbox';
import { retryDelaysMs } from '../../shared/flow/try-in-place';

const lambdaMs = (name: string) => functionNamed(name).timeoutSeconds * 1000;
/** DynamoDB and EventBridge calls around the outside call: 3 SDK attempts of up to 3 s, twice. */
const AWS_CALLS_MS = 2 * 3 * 3_000;
/** The conveyor's attempts of one outside call and the waits between them, all in one invocation. */
const ATTEMPTS_MS =
  MAX_DELIVERY_ATTEMPTS * MAX_OUTSIDE_TIMEOUT_MS + retryDelaysMs().reduce((a, b) => a + b, 0);

test('check-presence: the presence call, the wait for the shared budget (up to 5 s) and its writes', () => {
  expect(lambdaMs('check-presence')).toBeGreaterThanOrEqual(
    MAX_OUTSIDE_TIMEOUT_MS + 5_000 + AWS_CALLS_MS / 2,
  );
});

test("hand-over: the desk (MSC: the router's two calls) asked as often as it may be, then the Web Conversations notice", () => {
  expect(lambdaMs('hand-over')).toBeGreaterThanOrEqual(
    (DESK_ATTEMPTS * 2 + 1) * MAX_OUTSIDE_TIMEOUT_MS + DESK_ATTEMPTS * 1_000 + AWS_CALLS_MS / 2,
  );
});

test('hand-over: a webhook desk live on its claim asked as often as it may be, the bot told it accepted (once), then Web Conversations', () => {
  expect(lambdaMs('hand-over')).toBeGreaterThanOrEqual(
    (DESK_ATTEMPTS + 2) * MAX_OUTSIDE_TIMEOUT_MS + DESK_ATTEMPTS * 1_000 + AWS_CALLS_MS,
  );
});

test("conveyor: one record's notice (tried in place), the bot's status event (once), the first question and a delivery", () => {
  expect(lambdaMs('conveyor')).toBeGreaterThanOrEqual(
    3 * ATTEMPTS_MS + MAX_OUTSIDE_TIMEOUT_MS + AWS_CALLS_MS,
  );
});

test('conveyor: a delivery tried as often as it may be, with the waits between, and its writes', () => {
  expect(retryDelaysMs()).toHaveLength(MAX_DELIVERY_ATTEMPTS - 1);
  expect(lambdaMs('conveyor')).toBeGreaterThanOrEqual(ATTEMPTS_MS + AWS_CALLS_MS);
});

test("conveyor: no bot's answer is sent after its budget, and the last one started and the pop still fit", () => {
  expect(lambdaMs('conveyor')).toBeGreaterThanOrEqual(
    SEND_ANSWERS_BUDGET_MS + MAX_OUTSIDE_TIMEOUT_MS + AWS_CALLS_MS,
  );
});

test('conveyor: one batch of a conversation may hold a notice, the first question and a delivery, each tried in full', () => {
  expect(lambdaMs('conveyor')).toBeGreaterThanOrEqual(3 * ATTEMPTS_MS + AWS_CALLS_MS);
});

test('relay: waiting messages sent until the run budget, the last one started, and the writes that take them out', () => {
  expect(lambdaMs('relay')).toBeGreaterThanOrEqual(
    UNSENT_RUN_BUDGET_MS + MAX_OUTSIDE_TIMEOUT_MS + AWS_CALLS_MS,
  );
});

test("relay: a desk's notice, and its writes", () => {
  expect(lambdaMs('relay')).toBeGreaterThanOrEqual(MAX_OUTSIDE_TIMEOUT_MS + AWS_CALLS_MS);
});
