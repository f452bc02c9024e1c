/**
 * expireSessions on DynamoDB Local: the sparse expiry index, re-checked against the stored lock.
 * A fresh table per test, since a sweep sees every tenant's locks.
 */
import { postAgentMessage } from '../../../functions/agent-api/agent-api';
import { expireSessions } from '../../../functions/expire-sessions/expire-sessions';
import { type Command, transition } from '../../../shared/domain/conversation';
import type { ConversationRef } from '../../../shared/store/conversation-repository';
import type { SweepIndex } from '../../../shared/store/sweep-index';
import { freshTable } from '../../support/dynamo';
import { buildRuntime, handoverIdOf, LOCK_MS, seed, T0, type TestRig, uniqueId } from './runtime';

let rig: TestRig;

beforeEach(async () => {
  const table = await freshTable('use-expiry');
  rig = buildRuntime({ ...table, outsideUrl: 'http://127.0.0.1:1' });
});
afterEach(() => rig.dynamo.raw.destroy());

test('past the lock → bot and SessionEnded(expired), published once even when the sweep runs twice', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);
  rig.setNow(T0 + LOCK_MS + 60_000);

  await expect(expireSessions(rig.runtime)).resolves.toEqual({
    found: 1,
    expired: 1,
    drained: 0,
    skipped: 0,
  });
  await expect(expireSessions(rig.runtime)).resolves.toEqual({
    found: 0,
    expired: 0,
    drained: 0,
    skipped: 0,
  });

  const stored = await rig.state('acme', conversationId);
  expect(stored).toMatchObject({ phase: 'bot', version: conversation.version + 1 });
  expect(stored?.handover).toBeUndefined();
  const raw = await rig.rawItem('acme', conversationId);
  expect(raw).not.toHaveProperty('sweepShard');
  expect(raw).not.toHaveProperty('lockExpiresAt');
  expect(rig.publisher.published()).toEqual([['SessionEnded', `ended:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationId,
    handoverId,
    reason: 'expired',
  });
});

test('two sweeps at once expire a session once', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  rig.setNow(T0 + LOCK_MS);

  const results = await Promise.all([expireSessions(rig.runtime), expireSessions(rig.runtime)]);

  expect(results.map((result) => result.expired).sort()).toEqual([0, 1]);
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({ phase: 'bot' });
  expect(rig.publisher.published()).toEqual([['SessionEnded', `ended:${handoverIdOf(conversation)}`]]);
});

test('the lock holds until its expiry: one millisecond before, the sweep finds nothing; at it, it expires', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });

  rig.setNow(T0 + LOCK_MS - 1);
  await expect(expireSessions(rig.runtime)).resolves.toEqual({
    found: 0,
    expired: 0,
    drained: 0,
    skipped: 0,
  });
  expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);

  rig.setNow(T0 + LOCK_MS);
  await expect(expireSessions(rig.runtime)).resolves.toMatchObject({ expired: 1 });
  expect(rig.publisher.events).toHaveLength(1);
});

/** The expiry index as the sweep read it: `refs`. */
function withIndex(refs: () => Promise<ConversationRef[]>): SweepIndex {
  return { findDueForSweep: () => refs() };
}

test('a conversation whose lock was extended after the index was read is not expired', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  const { conversationId } = conversation;
  // The index as the sweep reads it: its entry still carries the old lock (a GSI lags its table).
  const staleIndex = await rig.sweepIndex.findDueForSweep(T0 + LOCK_MS + 1, 500);
  expect(staleIndex).toEqual([{ tenantId: 'acme', conversationId }]);
  // The agent writes the moment before the lock runs out.
  rig.setNow(T0 + LOCK_MS - 1);
  await postAgentMessage(rig.runtime, rig.tenant('acme'), conversationId, {
    messageId: 'desk-late',
    text: 'still here',
    signOff: false,
  });
  rig.setNow(T0 + LOCK_MS + 1);

  const result = await expireSessions({ ...rig.runtime, sweepIndex: withIndex(async () => staleIndex) });

  expect(result).toEqual({ found: 1, expired: 0, drained: 0, skipped: 1 });
  expect(await rig.state('acme', conversationId)).toMatchObject({
    phase: 'agent',
    version: conversation.version + 1,
    handover: { lockExpiresAt: T0 + LOCK_MS - 1 + LOCK_MS },
  });
  expect(rig.publisher.published()).toEqual([['AgentMessaged', 'agent:desk-late']]);
});

test('a session that ended and a new one that started after the index was read are left alone', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  const { conversationId } = conversation;
  rig.setNow(T0 + LOCK_MS + 1);
  const index = withIndex(async () => {
    const refs = await rig.sweepIndex.findDueForSweep(rig.clock.now(), 500);
    // Between the index read and the sweep's write: the user came back (ingest expired the old
    // session) and a new handover reached an agent.
    const now = rig.clock.now();
    let state = await rig.store.get('acme', conversationId, now);
    if (!state) throw new Error('conversation lost');
    const restart: Command[] = [
      { type: 'expire' },
      { type: 'requestHandover', handoverId: 'h-second', additions: { mscChannel: 'Web' } },
      { type: 'presenceChecked', status: 'online' },
      { type: 'intakeCompleted', answers: {} },
      { type: 'handoverSucceeded', lockMs: LOCK_MS },
    ];
    for (const command of restart) {
      state = transition(state, command, now).state;
      await rig.store.save(state, now);
    }
    return refs;
  });

  await expect(expireSessions({ ...rig.runtime, sweepIndex: index })).resolves.toEqual({
    found: 1,
    expired: 0,
    drained: 0,
    skipped: 1,
  });
  expect(await rig.state('acme', conversationId)).toMatchObject({
    phase: 'agent',
    version: conversation.version + 5,
    handover: { id: 'h-second', lockExpiresAt: T0 + LOCK_MS + 1 + LOCK_MS },
  });
  expect(rig.publisher.events).toEqual([]);
});

test('sessions that ended, and bot conversations, are not in the index', async () => {
  const live = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  await seed(rig, 'bot', { conversationId: uniqueId('web') });
  const ended = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  rig.setNow(T0 + 1_000);
  await postAgentMessage(rig.runtime, rig.tenant('acme'), ended.conversationId, {
    messageId: 'bye',
    text: 'bye',
    signOff: true,
  });
  // The lock of `ended` was extended: only `live` has run out at this time.
  rig.setNow(T0 + LOCK_MS + 500);
  rig.publisher.reset();

  await expect(expireSessions(rig.runtime)).resolves.toEqual({
    found: 1,
    expired: 1,
    drained: 0,
    skipped: 0,
  });
  expect(rig.publisher.published()).toEqual([['SessionEnded', `ended:${handoverIdOf(live)}`]]);
});

test('a sweep takes at most `limit` conversations; the next run takes the rest', async () => {
  const conversations = await Promise.all(
    Array.from({ length: 5 }, () => seed(rig, 'agent', { conversationId: uniqueId('web') })),
  );
  rig.setNow(T0 + LOCK_MS);

  await expect(expireSessions(rig.runtime, 3)).resolves.toEqual({
    found: 3,
    expired: 3,
    drained: 0,
    skipped: 0,
  });
  await expect(expireSessions(rig.runtime, 3)).resolves.toEqual({
    found: 2,
    expired: 2,
    drained: 0,
    skipped: 0,
  });
  await expect(expireSessions(rig.runtime, 3)).resolves.toEqual({
    found: 0,
    expired: 0,
    drained: 0,
    skipped: 0,
  });

  for (const conversation of conversations) {
    expect(await rig.state('acme', conversation.conversationId)).toMatchObject({ phase: 'bot' });
  }
  expect(rig.publisher.events.map((event) => event.detail.data)).toHaveLength(5);
  expect(new Set(rig.publisher.published().map(([, id]) => id)).size).toBe(5);
});

test.each([
  ['presence', 2],
  ['intake', 30],
  ['handing_over', 5],
] as const)(
  'a handover stuck in %s gives up after %i minutes without a write: bot and HandoverDeclined(failed, timeout)',
  async (phase, minutes) => {
    const stuck = await seed(rig, phase, {
      conversationId: uniqueId('web'),
      additions: { mscChannel: 'Web' },
    });
    const handoverId = handoverIdOf(stuck);

    rig.setNow(T0 + minutes * 60_000 - 1);
    await expect(expireSessions(rig.runtime)).resolves.toMatchObject({ found: 0, expired: 0 });
    expect(await rig.state('acme', stuck.conversationId)).toEqual(stuck);

    rig.setNow(T0 + minutes * 60_000);
    await expect(expireSessions(rig.runtime)).resolves.toMatchObject({ found: 1, expired: 1 });
    const stored = await rig.state('acme', stuck.conversationId);
    expect(stored?.phase).toBe('bot');
    expect(stored?.handover).toBeUndefined();
    expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
    expect(rig.publisher.events[0]?.detail.data).toMatchObject({
      reason: 'failed',
      stage: `timeout:${phase}`,
    });
    // Out of the index: the next sweep finds nothing.
    await expect(expireSessions(rig.runtime)).resolves.toMatchObject({ found: 0 });
  },
);
