/**
 * The audit trail as the domain records it: each transition names its phases, the command, who
 * caused it and the handover, in the write that makes it; the item keeps the last AUDIT_KEPT.
 */
import { AUDIT_KEPT } from '../../shared/domain/audit';
import {
  type Command,
  type Conversation,
  newConversation,
  transition,
} from '../../shared/domain/conversation';
import { popHead, withDeadLetter } from '../../shared/domain/inbox';

const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);
const ADDITIONS = { mscChannel: 'chat', skill: 'support' };

function run(
  commands: readonly Command[],
  start: Conversation = newConversation('t', 'c', { type: 'web' }, T0),
) {
  return commands.reduce((state, command, i) => transition(state, command, T0 + i + 1).state, start);
}

const trail = (state: Conversation) =>
  (state.audit ?? []).map(({ action, actor, from, to, cause, handoverId, version }) => ({
    action,
    actor,
    from,
    to,
    cause,
    handoverId,
    version,
  }));

test('a whole handover, step by step: who did what, between which phases', () => {
  const handoverId = 'answer:i-1';
  const state = run([
    { type: 'requestHandover', handoverId, additions: ADDITIONS },
    { type: 'presenceChecked', handoverId, status: 'online' },
    { type: 'intakeCompleted', handoverId, answers: { email: 'ada@example.com' } },
    { type: 'handoverSucceeded', handoverId, lockMs: 60_000 },
    { type: 'activity', lockMs: 60_000, message: { id: 'a-1', text: 'Hello', signOff: false } },
    { type: 'endSession', by: 'user' },
  ]);
  expect(trail(state)).toEqual([
    {
      action: 'requestHandover',
      actor: 'bot',
      from: 'bot',
      to: 'presence',
      cause: undefined,
      handoverId,
      version: 1,
    },
    {
      action: 'presenceChecked',
      actor: 'baton',
      from: 'presence',
      to: 'intake',
      cause: 'online',
      handoverId,
      version: 2,
    },
    {
      action: 'intakeCompleted',
      actor: 'user',
      from: 'intake',
      to: 'handing_over',
      cause: undefined,
      handoverId,
      version: 3,
    },
    {
      action: 'handoverSucceeded',
      actor: 'desk',
      from: 'handing_over',
      to: 'agent',
      cause: undefined,
      handoverId,
      version: 4,
    },
    {
      action: 'activity',
      actor: 'agent',
      from: 'agent',
      to: 'agent',
      cause: 'message',
      handoverId,
      version: 5,
    },
    {
      action: 'endSession',
      actor: 'user',
      from: 'agent',
      to: 'bot',
      cause: undefined,
      handoverId,
      version: 6,
    },
  ]);
  expect(state.audit?.map((entry) => entry.at)).toEqual([1, 2, 3, 4, 5, 6].map((i) => T0 + i));
  // Nothing anyone wrote: not the intake's answer, not the agent's text.
  expect(JSON.stringify(state.audit)).not.toMatch(/ada@|Hello/);
});

test.each([
  ['a LIVECHAT_SESSION_START button', 'start:i-2', 'user'],
  ['a bot answer', 'answer:i-2', 'bot'],
] as const)('a handover asked for by %s is that party’s', (_, handoverId, actor) => {
  const state = run([{ type: 'requestHandover', handoverId, additions: ADDITIONS }]);
  expect(state.audit?.[0]?.actor).toBe(actor);
});

test('the sweep’s and the desk’s steps, and why a handover failed or was given up', () => {
  const handoverId = 'answer:i-3';
  const failed = run([
    { type: 'requestHandover', handoverId, additions: ADDITIONS },
    { type: 'presenceChecked', handoverId, status: 'online' },
    { type: 'intakeAbandoned', handoverId, reason: 'timeout' },
  ]);
  expect(failed.audit?.at(-1)).toMatchObject({ action: 'intakeAbandoned', actor: 'sweep', cause: 'timeout' });
  const refused = run([
    { type: 'requestHandover', handoverId, additions: ADDITIONS },
    { type: 'presenceChecked', handoverId, status: 'online' },
    { type: 'intakeCompleted', handoverId, answers: {} },
    { type: 'handoverFailed', handoverId, stage: 'desk:status' },
  ]);
  expect(refused.audit?.at(-1)).toMatchObject({
    actor: 'desk',
    cause: 'desk:status',
    from: 'handing_over',
    to: 'bot',
  });
  const expired = transition(
    run([
      { type: 'requestHandover', handoverId, additions: ADDITIONS },
      { type: 'presenceChecked', handoverId, status: 'online' },
      { type: 'intakeCompleted', handoverId, answers: {} },
      { type: 'handoverSucceeded', handoverId, lockMs: 1_000 },
    ]),
    { type: 'expire' },
    T0 + 60_000,
  ).state;
  expect(expired.audit?.at(-1)).toMatchObject({ action: 'expire', actor: 'sweep', from: 'agent', to: 'bot' });
});

test('delivery decisions: who got a message, or why nobody did', () => {
  const start: Conversation = {
    ...newConversation('t', 'c', { type: 'web' }, T0),
    inbox: [{ message: { id: 'm-1', text: 'my secret', receivedAt: T0 } }],
  };
  const popped = { ...start, ...popHead(start, 'm-1', 'bot', T0 + 1) };
  expect(popped.audit).toEqual([
    {
      at: T0 + 1,
      version: 1,
      from: 'bot',
      to: 'bot',
      action: 'delivered',
      actor: 'baton',
      cause: 'bot',
      handoverId: undefined,
    },
  ]);
  const lettered = {
    ...popped,
    ...withDeadLetter(
      popped,
      {
        message: { id: 'm-1', text: 'my secret', receivedAt: T0 },
        route: 'agent',
        reason: 'desk:timeout',
        at: T0 + 2,
      },
      T0 + 2,
    ),
  };
  expect(lettered.audit?.at(-1)).toMatchObject({
    action: 'dead_lettered',
    cause: 'agent:desk:timeout',
    version: 2,
  });
  expect(JSON.stringify(lettered.audit)).not.toContain('secret');
});

test(`the item keeps the last ${AUDIT_KEPT} entries`, () => {
  const handoverId = 'answer:i-4';
  const live = run([
    { type: 'requestHandover', handoverId, additions: ADDITIONS },
    { type: 'presenceChecked', handoverId, status: 'online' },
    { type: 'intakeCompleted', handoverId, answers: {} },
    { type: 'handoverSucceeded', handoverId, lockMs: 60_000 },
  ]);
  const busy = run(
    Array.from({ length: AUDIT_KEPT + 5 }, (): Command => ({ type: 'activity', lockMs: 60_000 })),
    live,
  );
  expect(busy.audit).toHaveLength(AUDIT_KEPT);
  expect(busy.audit?.at(-1)?.version).toBe(busy.version);
  expect(busy.audit?.[0]?.version).toBe(busy.version - AUDIT_KEPT + 1);
});
