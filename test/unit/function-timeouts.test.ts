/**
 * Every function outlives the slowest work it may be given, so a slow outside system fails a call,
 * not the whole invocation halfway through a step; and a drain's hold outlives the relay.
 */
import { DRAIN_BUDGET_MS, HOLD_MS, SEND_ANSWERS_BUDGET_MS } from '../../functions/relay/drain-inbox';
import { functionNamed } from '../../infra/topology';
import { MAX_OUTSIDE_TIMEOUT_MS } from '../../shared/config/tenants';

const lambdaMs = (name: string) => functionNamed(name).timeoutSeconds * 1000;
/** DynamoDB and EventBridge calls around the outside call: 3 SDK attempts of up to 3 s, twice. */
const AWS_CALLS_MS = 2 * 3 * 3_000;

test('check-presence: the presence call, the wait for the shared budget (up to 5 s) and its writes', () => {
  expect(lambdaMs('check-presence')).toBeGreaterThanOrEqual(
    MAX_OUTSIDE_TIMEOUT_MS + 5_000 + AWS_CALLS_MS / 2,
  );
});

test('hand-over: the desk, then the Web Conversations notice, one after the other', () => {
  expect(lambdaMs('hand-over')).toBeGreaterThanOrEqual(2 * MAX_OUTSIDE_TIMEOUT_MS);
});

test('relay: a drain starts no message after its budget, then one delivery may take the longest outside call', () => {
  expect(lambdaMs('relay')).toBeGreaterThanOrEqual(DRAIN_BUDGET_MS + MAX_OUTSIDE_TIMEOUT_MS);
  // The drain starts no send of an answer after its budget, and the pop that follows still fits.
  expect(lambdaMs('relay')).toBeGreaterThanOrEqual(
    SEND_ANSWERS_BUDGET_MS + MAX_OUTSIDE_TIMEOUT_MS + AWS_CALLS_MS / 2,
  );
  // A head is held longer than its holder can live: only a dead holder's head is taken over.
  expect(HOLD_MS).toBeGreaterThan(lambdaMs('relay'));
});
