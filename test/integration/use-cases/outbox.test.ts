/** applyCommand / loadConversation on DynamoDB Local: the in-item outbox and optimistic concurrency. */

import { expireSessions } from '../../../functions/expire-sessions/expire-sessions';
import type { Command, Conversation } from '../../../shared/domain/conversation';
import { PublishError } from '../../../shared/events/publisher';
import { applyCommand } from '../../../shared/flow/apply-command';
import { loadConversation } from '../../../shared/flow/load-conversation';
import type { Runtime } from '../../../shared/runtime/runtime';
import type { ConversationStore } from '../../../shared/store/conversation-repository';
import { OUTBOX_GRACE_MS } from '../../../shared/store/conversation-repository';
import { freshTable } from '../../support/dynamo';
import { buildRuntime, handoverIdOf, LOCK_MS, seed, T0, type TestRig, uniqueId } from './runtime';

let rig: TestRig;

beforeAll(async () => {
  const table = await freshTable('use-outbox');
  // No outside system is called here; the unused clients point at a closed port.
  rig = buildRuntime({ ...table, outsideUrl: 'http://127.0.0.1:1' });
});
afterAll(() => rig.dynamo.raw.destroy());
beforeEach(() => rig.reset());

const apply = (conversation: Conversation, command: Command) =>
  applyCommand(rig.runtime, conversation.tenantId, conversation.conversationId, () => command);

const load = (conversation: Conversation) =>
  loadConversation(rig.runtime, conversation.tenantId, conversation.conversationId);

test('a publish failure leaves the state saved with its outbox; only a load after the grace period republishes the same events and clears it', async () => {
  const conversation = await seed(rig, 'presence', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(conversation);
  rig.publisher.failNext(1);

  await expect(apply(conversation, { type: 'presenceChecked', status: 'online' })).rejects.toBeInstanceOf(
    PublishError,
  );

  expect(rig.publisher.attempts).toBe(1);
  expect(rig.publisher.events).toEqual([]);
  const saved = await rig.state('acme', conversation.conversationId);
  expect(saved).toMatchObject({ phase: 'intake', version: conversation.version + 1, updatedAt: T0 });
  const pending = saved?.outbox ?? [];
  expect(pending.map((event) => [event.detailType, event.detail.metadata.id])).toEqual([
    ['IntakeStarted', `intake:${handoverId}`],
  ]);
  expect(await rig.rawItem('acme', conversation.conversationId)).toHaveProperty('outbox');

  // Within the grace period the writer may still be publishing: readers leave the outbox alone.
  await load(conversation);
  rig.setNow(T0 + OUTBOX_GRACE_MS - 1);
  await load(conversation);
  expect(rig.publisher.attempts).toBe(1);
  expect(await rig.rawItem('acme', conversation.conversationId)).toHaveProperty('outbox');

  rig.setNow(T0 + OUTBOX_GRACE_MS);
  const loaded = await load(conversation);
  expect(loaded).toMatchObject({ phase: 'intake', version: conversation.version + 1 });
  // The same events, ids and all, so consumers see a redelivery, not new events.
  expect(rig.publisher.events).toEqual(pending);
  const raw = await rig.rawItem('acme', conversation.conversationId);
  expect(raw).not.toHaveProperty('outbox');
  expect(raw).toMatchObject({ version: conversation.version + 1, phase: 'intake' });

  // Published once: later loads find nothing left.
  rig.setNow(T0 + 10 * OUTBOX_GRACE_MS);
  await load(conversation);
  expect(rig.publisher.events).toHaveLength(1);
});

test('a successful write publishes its own events once and clears the outbox', async () => {
  const conversation = await seed(rig, 'handing_over', { conversationId: uniqueId('web') });

  const applied = await apply(conversation, { type: 'handoverSucceeded', lockMs: LOCK_MS });

  expect(applied).toMatchObject({ outcome: 'applied', state: { phase: 'agent' } });
  expect(rig.publisher.published()).toEqual([['SessionStarted', `started:${handoverIdOf(conversation)}`]]);
  expect(await rig.rawItem('acme', conversation.conversationId)).not.toHaveProperty('outbox');
  rig.setNow(T0 + OUTBOX_GRACE_MS);
  await load(conversation);
  expect(rig.publisher.events).toHaveLength(1);
});

test('an illegal command or a decide that declines leaves the conversation as it was', async () => {
  const conversation = await seed(rig, 'bot', { conversationId: uniqueId('web') });

  await expect(apply(conversation, { type: 'activity', lockMs: LOCK_MS })).resolves.toEqual({
    outcome: 'unchanged',
    state: conversation,
  });
  await expect(
    applyCommand(rig.runtime, 'acme', conversation.conversationId, () => undefined),
  ).resolves.toMatchObject({ outcome: 'unchanged' });
  await expect(applyCommand(rig.runtime, 'acme', 'never-seen', () => ({ type: 'expire' }))).resolves.toEqual({
    outcome: 'missing',
  });
  expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);
  expect(rig.publisher.attempts).toBe(0);
});

/** The rig's runtime, counting the conversation reads its use cases make. */
function countingReads(): { runtime: Runtime; reads: () => number } {
  const store = rig.store;
  let reads = 0;
  const conversations: ConversationStore = {
    get: (tenantId, conversationId, now) => {
      reads += 1;
      return store.get(tenantId, conversationId, now);
    },
    create: (conversation, now) => store.create(conversation, now),
    save: (next, now) => store.save(next, now),
    reindex: (conversation) => store.reindex(conversation),
    clearOutbox: (conversation) => store.clearOutbox(conversation),
  };
  return { runtime: { ...rig.runtime, conversations }, reads: () => reads };
}

test('a change that no longer applies to the item its refused write returned ends there, without a read', async () => {
  // hand-over's case: while it called the desk, the desk claimed the conversation itself.
  const conversation = await seed(rig, 'handing_over', { conversationId: uniqueId('web') });
  await apply(conversation, { type: 'handoverSucceeded', lockMs: LOCK_MS });
  const { runtime, reads } = countingReads();

  const applied = await applyCommand(
    runtime,
    'acme',
    conversation.conversationId,
    (state) => (state.phase === 'handing_over' ? { type: 'handoverSucceeded', lockMs: LOCK_MS } : undefined),
    conversation,
  );

  expect(applied).toMatchObject({ outcome: 'unchanged', state: { phase: 'agent' } });
  expect(reads()).toBe(0);
});

test('a change that still applies after a lost race is made on a fresh read', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  await apply(conversation, { type: 'activity', lockMs: LOCK_MS });
  const { runtime, reads } = countingReads();

  const applied = await applyCommand(
    runtime,
    'acme',
    conversation.conversationId,
    () => ({ type: 'activity', lockMs: LOCK_MS }),
    conversation,
  );

  expect(applied).toMatchObject({ outcome: 'applied', state: { version: conversation.version + 2 } });
  expect(reads()).toBe(1);
});

test('the item a refused write returned has its stale outbox taken over, as a read would', async () => {
  const conversation = await seed(rig, 'presence', { conversationId: uniqueId('web') });
  rig.publisher.failNext(1);
  await expect(apply(conversation, { type: 'presenceChecked', status: 'online' })).rejects.toBeInstanceOf(
    PublishError,
  );
  const pending = (await rig.state('acme', conversation.conversationId))?.outbox ?? [];
  expect(pending).toHaveLength(1);
  rig.setNow(T0 + OUTBOX_GRACE_MS);
  const { runtime, reads } = countingReads();

  // Decided on the stale state (still in presence), refused, decided again on the returned item.
  const applied = await applyCommand(
    runtime,
    'acme',
    conversation.conversationId,
    (state) => (state.phase === 'presence' ? { type: 'presenceChecked', status: 'offline' } : undefined),
    conversation,
  );

  expect(applied).toMatchObject({ outcome: 'unchanged', state: { phase: 'intake' } });
  expect(reads()).toBe(0);
  expect(rig.publisher.events).toEqual(pending);
  expect(await rig.rawItem('acme', conversation.conversationId)).not.toHaveProperty('outbox');
});

test('8 concurrent activity commands (at most the retry budget) all succeed, version +8 exactly', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  rig.setNow(T0 + 60_000);

  const results = await Promise.all(
    Array.from({ length: 8 }, () => apply(conversation, { type: 'activity', lockMs: LOCK_MS })),
  );

  expect(results.map((result) => result.outcome)).toEqual(Array.from({ length: 8 }, () => 'applied'));
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
    version: conversation.version + 8,
    handover: { lockExpiresAt: T0 + 60_000 + LOCK_MS },
  });
});

// Regression: with 8 immediate retries and no backoff, 6 to 11 of 20 concurrent writers gave up
// with VersionConflictError (an agent desk posting a burst of messages got errors for some).
test('20 concurrent activity commands on an agent conversation all succeed, version +20 exactly', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  rig.setNow(T0 + 60_000);

  const results = await Promise.allSettled(
    Array.from({ length: 20 }, () => apply(conversation, { type: 'activity', lockMs: LOCK_MS })),
  );

  const failures = results.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []));
  expect(failures).toEqual([]);
  expect(
    results.map((result) => (result.status === 'fulfilled' ? result.value.outcome : 'rejected')),
  ).toEqual(Array.from({ length: 20 }, () => 'applied'));
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
    phase: 'agent',
    version: conversation.version + 20,
    handover: { lockExpiresAt: T0 + 60_000 + LOCK_MS },
  });
  expect(rig.publisher.attempts).toBe(0);
});

// Regression: a failed publish left events in the outbox, and any transition written within the
// grace period (here the agent's first message right after SessionStarted failed) overwrote them:
// the user was never told an agent joined.
test('events left in the outbox by a failed publish survive a transition written within the grace period', async () => {
  const conversation = await seed(rig, 'handing_over', { conversationId: uniqueId('web') });
  const handoverId = handoverIdOf(conversation);
  rig.publisher.failNext(1);
  await expect(apply(conversation, { type: 'handoverSucceeded', lockMs: LOCK_MS })).rejects.toBeInstanceOf(
    PublishError,
  );

  rig.setNow(T0 + 1_000);
  await expect(apply(conversation, { type: 'activity', lockMs: LOCK_MS })).resolves.toMatchObject({
    outcome: 'applied',
  });
  rig.setNow(T0 + 1_000 + OUTBOX_GRACE_MS);
  await load(conversation);

  expect(rig.publisher.published()).toContainEqual(['SessionStarted', `started:${handoverId}`]);
});

test('an outbox nobody reads is published by the sweep after the grace period, and leaves the sweep index', async () => {
  const conversation = await seed(rig, 'presence', { conversationId: uniqueId('web') });
  rig.publisher.failNext(1);
  await expect(apply(conversation, { type: 'presenceChecked', status: 'offline' })).rejects.toBeInstanceOf(
    PublishError,
  );
  // Back with the bot, no lock: only the pending outbox puts the conversation in the sweep index.
  expect(await rig.rawItem('acme', conversation.conversationId)).toMatchObject({
    phase: 'bot',
    lockExpiresAt: T0 + OUTBOX_GRACE_MS,
  });
  rig.setNow(T0 + OUTBOX_GRACE_MS - 1);
  await expireSessions(rig.runtime);
  expect(rig.publisher.events).toEqual([]);

  rig.setNow(T0 + OUTBOX_GRACE_MS);
  await expireSessions(rig.runtime);
  expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverIdOf(conversation)}`]]);
  const raw = await rig.rawItem('acme', conversation.conversationId);
  expect(raw).not.toHaveProperty('outbox');
  expect(raw).not.toHaveProperty('sweepShard');
  expect(raw).not.toHaveProperty('lockExpiresAt');
});

test('an agent conversation with a pending outbox is due at the earlier of lock end and grace end, then at its lock end again', async () => {
  const conversation = await seed(rig, 'handing_over', { conversationId: uniqueId('web') });
  rig.publisher.failNext(1);
  await expect(apply(conversation, { type: 'handoverSucceeded', lockMs: LOCK_MS })).rejects.toBeInstanceOf(
    PublishError,
  );
  expect(await rig.rawItem('acme', conversation.conversationId)).toMatchObject({
    lockExpiresAt: T0 + OUTBOX_GRACE_MS,
  });
  rig.setNow(T0 + OUTBOX_GRACE_MS);
  await expireSessions(rig.runtime);
  expect(rig.publisher.published()).toEqual([['SessionStarted', `started:${handoverIdOf(conversation)}`]]);
  expect(await rig.rawItem('acme', conversation.conversationId)).toMatchObject({
    phase: 'agent',
    lockExpiresAt: T0 + LOCK_MS,
  });
});
