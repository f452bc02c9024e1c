/**
 * The inbox's pure steps: which head may be delivered in each phase, and the changes that take it
 * off (popped, or dead-lettered), each one version up and only ever on the head it names.
 */
import fc from 'fast-check';
import { type Conversation, newConversation } from '../../shared/domain/conversation';
import {
  deadLetterHead,
  deliverableHead,
  headOf,
  type InboxEntry,
  MAX_DEAD_LETTERS,
  MAX_INBOX,
  popHead,
  redriven,
} from '../../shared/domain/inbox';
import { LIVECHAT_SESSION_END, LIVECHAT_SESSION_START } from '../../shared/domain/livechat-payloads';
import { PHASES, type Phase } from '../../shared/domain/phase';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const entry = (id: string): InboxEntry => ({ message: { id, text: `text of ${id}`, receivedAt: T0 } });
const payloadEntry = (id: string, payload: string): InboxEntry => ({
  message: { id, payload, receivedAt: T0 },
});
const withInbox = (inbox: readonly InboxEntry[], phase: Phase = 'bot'): Conversation => ({
  ...newConversation('acme', 'c-1', { type: 'web' }, T0),
  phase,
  version: 4,
  ...(inbox.length ? { inbox } : {}),
});

describe('the deliverable head', () => {
  test('is the first message in the phases whose owner takes messages', () => {
    for (const phase of ['bot', 'intake', 'agent'] as const)
      expect(deliverableHead(withInbox([entry('m1'), entry('m2')], phase))).toEqual(entry('m1'));
  });

  test('is none while the desk is asked, whatever the head is', () => {
    for (const head of [entry('m1'), payloadEntry('s1', LIVECHAT_SESSION_START)])
      expect(deliverableHead(withInbox([head, entry('m2')], 'handing_over'))).toBeUndefined();
    expect(headOf(withInbox([entry('m1')], 'handing_over'))).toEqual(entry('m1'));
  });

  test('is none while presence is checked, but for a request for a handover (it changes nothing)', () => {
    expect(deliverableHead(withInbox([entry('m1')], 'presence'))).toBeUndefined();
    expect(
      deliverableHead(withInbox([payloadEntry('e1', LIVECHAT_SESSION_END)], 'presence')),
    ).toBeUndefined();
    const start = payloadEntry('s1', LIVECHAT_SESSION_START);
    expect(deliverableHead(withInbox([start, entry('m2')], 'presence'))).toEqual(start);
    // Only the head counts: a request behind a waiting message waits with it.
    expect(deliverableHead(withInbox([entry('m1'), start], 'presence'))).toBeUndefined();
  });

  test('is none for an empty inbox or no conversation', () => {
    for (const phase of PHASES) expect(deliverableHead(withInbox([], phase))).toBeUndefined();
    expect(deliverableHead(undefined)).toBeUndefined();
  });
});

describe('popping', () => {
  test('returns the changed fields only: the inbox without its head, one version up, the time', () => {
    const state = withInbox([entry('m1'), entry('m2')]);
    expect(popHead(state, 'm1', 'bot', T0 + 1)).toStrictEqual({
      inbox: [entry('m2')],
      version: 5,
      updatedAt: T0 + 1,
      // The decision, in the audit trail: who got it, by the conveyor.
      audit: [
        {
          at: T0 + 1,
          version: 5,
          from: state.phase,
          to: state.phase,
          action: 'delivered',
          actor: 'baton',
          cause: 'bot',
          handoverId: undefined,
        },
      ],
    });
  });

  test('the last message leaves no inbox behind (the field is unset, so the spread clears it)', () => {
    const popped = popHead(withInbox([entry('m1')]), 'm1', 'bot', T0);
    expect(popped).toStrictEqual({
      inbox: undefined,
      version: 5,
      updatedAt: T0,
      audit: [expect.objectContaining({ action: 'delivered', cause: 'bot' })],
    });
    expect({ ...withInbox([entry('m1')]), ...popped }.inbox).toBeUndefined();
  });

  test('only the named head: a message behind it, one popped already or an empty inbox change nothing', () => {
    const state = withInbox([entry('m1'), entry('m2')]);
    expect(popHead(state, 'm2', 'bot', T0)).toBeUndefined();
    expect(popHead(state, 'gone', 'bot', T0)).toBeUndefined();
    expect(popHead(withInbox([]), 'm1', 'bot', T0)).toBeUndefined();
  });

  test('leaves the dead letters as they are', () => {
    const state = withInbox([entry('m1'), entry('m2')]);
    const moved = deadLetterHead(state, 'm1', { route: 'bot', reason: 'bot:timeout' }, T0);
    const after = { ...state, ...moved };
    const popped = popHead(after, 'm2', 'bot', T0 + 1);
    expect(popped).not.toHaveProperty('deadLetters');
    expect({ ...after, ...popped }.deadLetters).toEqual(moved?.deadLetters);
  });

  test('in any phase, n pops in arrival order empty an inbox of n, a version each', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PHASES),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 20 }),
        (phase, ids) => {
          let state = withInbox(
            ids.map((id) => entry(id)),
            phase,
          );
          for (const [index, id] of ids.entries()) {
            expect(headOf(state)?.message.id).toBe(id);
            const popped = popHead(state, id, 'bot', T0 + index);
            if (!popped) throw new Error(`${id} was not the head`);
            state = { ...state, ...popped };
          }
          expect(state.inbox).toBeUndefined();
          expect(state.version).toBe(4 + ids.length);
        },
      ),
    );
  });
});

describe('dead-lettering', () => {
  test('returns the changed fields: the head moved to the dead letters with its route, reason and time', () => {
    const state = withInbox([entry('m1'), entry('m2')]);
    expect(deadLetterHead(state, 'm1', { route: 'agent', reason: 'desk:status:422' }, T0 + 5)).toStrictEqual({
      inbox: [entry('m2')],
      deadLetters: [{ message: entry('m1').message, route: 'agent', reason: 'desk:status:422', at: T0 + 5 }],
      version: 5,
      updatedAt: T0 + 5,
      audit: [
        {
          at: T0 + 5,
          version: 5,
          from: state.phase,
          to: state.phase,
          action: 'dead_lettered',
          actor: 'baton',
          cause: 'agent:desk:status:422',
          handoverId: undefined,
        },
      ],
    });
  });

  test('only the named head', () => {
    expect(deadLetterHead(withInbox([entry('m1')]), 'm2', { route: 'bot', reason: 'x' }, T0)).toBeUndefined();
    expect(deadLetterHead(withInbox([]), 'm1', { route: 'bot', reason: 'x' }, T0)).toBeUndefined();
  });

  test(`keeps the last ${MAX_DEAD_LETTERS} letters, oldest dropped first`, () => {
    const count = MAX_DEAD_LETTERS + 2;
    let state = withInbox(Array.from({ length: count }, (_, i) => entry(`m${i}`)));
    for (let i = 0; i < count; i += 1) {
      const moved = deadLetterHead(state, `m${i}`, { route: 'bot', reason: 'bot:timeout' }, T0 + i);
      if (!moved) throw new Error(`m${i} was not the head`);
      state = { ...state, ...moved };
    }
    expect(state.inbox).toBeUndefined();
    expect(state.deadLetters).toHaveLength(MAX_DEAD_LETTERS);
    expect(state.deadLetters?.[0]).toEqual({
      message: entry('m2').message,
      route: 'bot',
      reason: 'bot:timeout',
      at: T0 + 2,
    });
    expect(state.deadLetters?.at(-1)?.message.id).toBe(`m${count - 1}`);
    expect(state.version).toBe(4 + count);
  });
});

describe('redriven (an operator sends the dead letters again)', () => {
  const letter = (id: string, at: number) => ({
    message: entry(id).message,
    route: 'bot' as const,
    reason: 'bot:timeout',
    at,
  });
  const withLetters = (inbox: readonly InboxEntry[], ids: string[]): Conversation => ({
    ...withInbox(inbox, 'agent'),
    deadLetters: ids.map((id, index) => letter(id, T0 + index)),
  });

  test('the dead letters go to the head, oldest first, before those waiting; none left; one version up; the operator in the trail', () => {
    const state = withLetters([entry('w1')], ['d1', 'd2']);
    const change = redriven(state, T0 + 10);
    expect(change?.inbox?.map((waiting) => waiting.message.id)).toEqual(['d1', 'd2', 'w1']);
    expect(change?.deadLetters).toBeUndefined();
    expect(change?.version).toBe(5);
    expect(change?.audit?.at(-1)).toEqual({
      at: T0 + 10,
      version: 5,
      from: 'agent',
      to: 'agent',
      action: 'redriven',
      actor: 'operator',
      cause: '2',
      handoverId: undefined,
    });
    // Only the message: the route and reason of its failure stay behind.
    expect(change?.inbox?.[0]).toEqual(entry('d1'));
  });

  test('nothing when there are no dead letters, or when they would take the inbox past its limit', () => {
    expect(redriven(withLetters([entry('w1')], []), T0)).toBeUndefined();
    const full = Array.from({ length: MAX_INBOX - 1 }, (_, index) => entry(`w${index}`));
    expect(redriven(withLetters(full, ['d1']), T0)?.inbox).toHaveLength(MAX_INBOX);
    expect(redriven(withLetters(full, ['d1', 'd2']), T0)).toBeUndefined();
  });
});
