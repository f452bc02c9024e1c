/** The inbox's pure steps: each writes one version up, and only ever on the head it names. */
import { type Conversation, newConversation } from '../../shared/domain/conversation';
import {
  deadLetterHead,
  type InboxEntry,
  isTaken,
  MAX_DEAD_LETTERS,
  popHead,
  releaseHead,
} from '../../shared/domain/inbox';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const entry = (id: string, attempts = 0, takenUntil?: number): InboxEntry => ({
  message: { id, text: `text of ${id}`, receivedAt: T0 },
  attempts,
  ...(takenUntil === undefined ? {} : { takenUntil }),
});
const withInbox = (...inbox: InboxEntry[]): Conversation => ({
  ...newConversation('acme', 'c-1', { type: 'web' }, T0),
  version: 4,
  inbox,
});

test('a head is taken until its takenUntil, not at it', () => {
  expect(isTaken(entry('m1', 1, T0 + 10), T0 + 9)).toBe(true);
  expect(isTaken(entry('m1', 1, T0 + 10), T0 + 10)).toBe(false);
  expect(isTaken(entry('m1'), T0)).toBe(false);
});

test('popping removes the named head only; an empty inbox leaves the item', () => {
  const state = withInbox(entry('m1', 1, T0 + 10), entry('m2'));
  expect(popHead(state, 'm2', T0)).toBeUndefined();
  const popped = popHead(state, 'm1', T0 + 1);
  expect(popped).toMatchObject({ version: 5, updatedAt: T0 + 1, inbox: [entry('m2')] });
  expect(popped && popHead(popped, 'm2', T0 + 2)).not.toHaveProperty('inbox');
});

test('giving the head back clears its hold and keeps its attempts, or refunds one for a change of owner', () => {
  const state = withInbox(entry('m1', 2, T0 + 10), entry('m2'));
  expect(releaseHead(state, 'm2', T0)).toBeUndefined();
  expect(releaseHead(state, 'm1', T0)?.inbox).toEqual([entry('m1', 2), entry('m2')]);
  expect(releaseHead(state, 'm1', T0, { refund: true })?.inbox).toEqual([entry('m1', 1), entry('m2')]);
  expect(releaseHead(withInbox(entry('m1', 0)), 'm1', T0, { refund: true })?.inbox).toEqual([entry('m1', 0)]);
});

test('a release after a timed-out attempt remembers the owner it may have reached; a change of owner forgets it', () => {
  const state = withInbox(entry('m1', 1, T0 + 10));
  const sticky = releaseHead(state, 'm1', T0, { mayHaveReached: 'bot' });
  expect(sticky?.inbox).toEqual([{ ...entry('m1', 1), route: 'bot' }]);
  // A later plain failure keeps it; a change of owner (refund) drops it.
  expect(sticky && releaseHead(sticky, 'm1', T0)?.inbox).toEqual([{ ...entry('m1', 1), route: 'bot' }]);
  expect(sticky && releaseHead(sticky, 'm1', T0, { refund: true })?.inbox).toEqual([entry('m1', 0)]);
});

test(`dead-lettering pops the head and keeps the last ${MAX_DEAD_LETTERS} letters`, () => {
  let state = withInbox(...Array.from({ length: MAX_DEAD_LETTERS + 2 }, (_, i) => entry(`m${i}`, 3)));
  for (let i = 0; i < MAX_DEAD_LETTERS + 2; i += 1) {
    const next = deadLetterHead(state, `m${i}`, { route: 'bot', reason: 'bot:timeout' }, T0 + i);
    if (!next) throw new Error(`m${i} was not the head`);
    state = next;
  }
  expect(state).not.toHaveProperty('inbox');
  expect(state.deadLetters).toHaveLength(MAX_DEAD_LETTERS);
  expect(state.deadLetters?.[0]).toEqual({
    message: entry('m2').message,
    route: 'bot',
    reason: 'bot:timeout',
    at: T0 + 2,
  });
  expect(state.deadLetters?.at(-1)?.message.id).toBe(`m${MAX_DEAD_LETTERS + 1}`);
  expect(deadLetterHead(withInbox(entry('m1')), 'm2', { route: 'bot', reason: 'x' }, T0)).toBeUndefined();
});
