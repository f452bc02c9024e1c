/**
 * expireSessions on DynamoDB Local: the sparse expiry index, re-checked against the stored lock and
 * inbox. A fresh table per test, since a sweep sees every tenant's conversations. What the sweep
 * writes is published by the real conveyor from the table's stream (`conveyor.convey()`).
 */

import { postAgentMessage } from '../../../functions/agent-api/agent-api';
import { DEFAULT_DESK } from '../../../functions/agent-api/desk-token';
import { expireSessions } from '../../../functions/expire-sessions/expire-sessions';
import { receiveUserMessage } from '../../../functions/ingest/receive-user-message';
import { type Command, type Conversation, transition } from '../../../shared/domain/conversation';
import { INBOX_STALL_MS } from '../../../shared/domain/inbox';
import type { UserMessage } from '../../../shared/events/shapes';
import { conversationRef } from '../../../shared/log/logger';
import type { ConversationRef } from '../../../shared/ports/conversation-store';
import type { DueIndex } from '../../../shared/ports/sweep-index';
import { type ConveyorDriver, startConveyor } from './conveyor-driver';
import type { OutsideServer } from './outside-server';
import { webTexts } from './outside-server';
import { type RigWithOutside, startRigWithOutside, stopRigWithOutside } from './rig-with-outside';
import { handoverIdOf, LOCK_MS, seed, T0, type TestRig, uniqueId } from './runtime';

let setup: RigWithOutside;
let rig: TestRig;
let outside: OutsideServer;
let conveyor: ConveyorDriver;

beforeEach(async () => {
  setup = await startRigWithOutside('use-expiry');
  ({ rig, outside, conveyor } = setup);
});
afterEach(() => stopRigWithOutside(setup));

/** One sweep on the rig's runtime, as the schedule runs it; `limit` caps the conversations it takes. */
const sweep = (limit?: number) => expireSessions(rig.runtime, limit);

test('past the lock → bot and SessionEnded(expired), published once even when the sweep runs twice', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  const { conversationId } = conversation;
  const handoverId = handoverIdOf(conversation);
  rig.setNow(T0 + LOCK_MS + 60_000);

  await expect(sweep()).resolves.toEqual({ found: 1, expired: 1, nudged: 0, skipped: 0 });
  await expect(sweep()).resolves.toEqual({ found: 0, expired: 0, nudged: 0, skipped: 0 });

  const stored = await rig.state('acme', conversationId);
  expect(stored).toMatchObject({ phase: 'bot', version: conversation.version + 1 });
  expect(stored?.handover).toBeUndefined();
  const raw = await rig.rawItem('acme', conversationId);
  expect(raw).not.toHaveProperty('sweepShard');
  expect(raw).not.toHaveProperty('lockExpiresAt');
  await conveyor.convey();
  expect(rig.publisher.published()).toEqual([['SessionEnded', `ended:${handoverId}`]]);
  expect(rig.publisher.events[0]?.detail.data).toEqual({
    tenantId: 'acme',
    conversationRef: conversationRef('acme', conversationId),
    handoverId,
    reason: 'expired',
    agentStatus: 'online',
  });
});

test('two sweeps at once expire a session once', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  rig.setNow(T0 + LOCK_MS);

  const results = await Promise.all([sweep(), sweep()]);

  expect(results.map((result) => result.expired).sort()).toEqual([0, 1]);
  expect(await rig.state('acme', conversation.conversationId)).toMatchObject({ phase: 'bot' });
  await conveyor.convey();
  expect(rig.publisher.published()).toEqual([['SessionEnded', `ended:${handoverIdOf(conversation)}`]]);
});

test('the lock holds until its expiry: one millisecond before, the sweep finds nothing; at it, it expires', async () => {
  const conversation = await seed(rig, 'agent', { conversationId: uniqueId('web') });

  rig.setNow(T0 + LOCK_MS - 1);
  await expect(sweep()).resolves.toEqual({ found: 0, expired: 0, nudged: 0, skipped: 0 });
  expect(await rig.state('acme', conversation.conversationId)).toEqual(conversation);

  rig.setNow(T0 + LOCK_MS);
  await expect(sweep()).resolves.toMatchObject({ expired: 1 });
  await conveyor.convey();
  expect(rig.publisher.events).toHaveLength(1);
});

/** The expiry index as the sweep read it: `refs`; its writes are the real index's. */
function withIndex(refs: () => Promise<ConversationRef[]>): DueIndex {
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
  await postAgentMessage(rig.runtime, rig.tenant('acme'), DEFAULT_DESK, conversationId, {
    messageId: 'desk-late',
    text: 'still here',
    signOff: false,
  });
  rig.setNow(T0 + LOCK_MS + 1);

  const result = await expireSessions({ ...rig.runtime, dueIndex: withIndex(async () => staleIndex) });

  expect(result).toEqual({ found: 1, expired: 0, nudged: 0, skipped: 1 });
  expect(await rig.state('acme', conversationId)).toMatchObject({
    phase: 'agent',
    version: conversation.version + 1,
    handover: { lockExpiresAt: T0 + LOCK_MS - 1 + LOCK_MS },
  });
  await conveyor.convey();
  // The agent's message went to the user from its write's record, and nothing went on the bus.
  expect(webTexts(outside, conversationId)).toEqual(['still here']);
  expect(rig.publisher.published(conversationId)).toEqual([]);
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
      { type: 'presenceChecked', handoverId: 'h-second', status: 'online' },
      { type: 'intakeCompleted', handoverId: 'h-second', answers: {} },
      { type: 'handoverSucceeded', handoverId: 'h-second', lockMs: LOCK_MS },
    ];
    for (const command of restart) {
      state = transition(state, command, now).state;
      await rig.store.save(state, now);
    }
    return refs;
  });

  await expect(expireSessions({ ...rig.runtime, dueIndex: index })).resolves.toEqual({
    found: 1,
    expired: 0,
    nudged: 0,
    skipped: 1,
  });
  expect(await rig.state('acme', conversationId)).toMatchObject({
    phase: 'agent',
    version: conversation.version + 5,
    handover: { id: 'h-second', lockExpiresAt: T0 + LOCK_MS + 1 + LOCK_MS },
  });
  await conveyor.convey();
  expect(rig.publisher.events).toEqual([]);
});

test('sessions that ended, and bot conversations, are not in the index', async () => {
  const live = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  await seed(rig, 'bot', { conversationId: uniqueId('web') });
  const ended = await seed(rig, 'agent', { conversationId: uniqueId('web') });
  rig.setNow(T0 + 1_000);
  await postAgentMessage(rig.runtime, rig.tenant('acme'), DEFAULT_DESK, ended.conversationId, {
    messageId: 'bye',
    text: 'bye',
    signOff: true,
  });
  // The lock of `ended` was extended: only `live` has run out at this time.
  rig.setNow(T0 + LOCK_MS + 500);
  await conveyor.convey();
  rig.publisher.reset();

  await expect(sweep()).resolves.toEqual({ found: 1, expired: 1, nudged: 0, skipped: 0 });
  await conveyor.convey();
  expect(rig.publisher.published()).toEqual([['SessionEnded', `ended:${handoverIdOf(live)}`]]);
});

test('a sweep takes at most `limit` conversations; the next run takes the rest', async () => {
  const conversations = await Promise.all(
    Array.from({ length: 5 }, () => seed(rig, 'agent', { conversationId: uniqueId('web') })),
  );
  rig.setNow(T0 + LOCK_MS);

  await expect(sweep(3)).resolves.toEqual({ found: 3, expired: 3, nudged: 0, skipped: 0 });
  await expect(sweep(3)).resolves.toEqual({ found: 2, expired: 2, nudged: 0, skipped: 0 });
  await expect(sweep(3)).resolves.toEqual({ found: 0, expired: 0, nudged: 0, skipped: 0 });

  for (const conversation of conversations) {
    expect(await rig.state('acme', conversation.conversationId)).toMatchObject({ phase: 'bot' });
  }
  await conveyor.convey();
  expect(rig.publisher.events.map((event) => event.detail.data)).toHaveLength(5);
  expect(new Set(rig.publisher.published().map(([, id]) => id)).size).toBe(5);
});

test.each([
  ['presence', 2, { reason: 'failed', stage: 'timeout:presence' }, 'handoverFailed'],
  // A user who walked away from the intake: abandoned, and told so.
  ['intake', 30, { reason: 'intake_abandoned', abandoned: 'timeout' }, 'intakeTimedOut'],
  ['handing_over', 5, { reason: 'failed', stage: 'timeout:handing_over' }, 'handoverFailed'],
] as const)(
  'a handover stuck in %s gives up after %i minutes without a write: bot and HandoverDeclined %o',
  async (phase, minutes, declined, told) => {
    const stuck = await seed(rig, phase, {
      conversationId: uniqueId('web'),
      additions: { mscChannel: 'Web' },
    });
    const handoverId = handoverIdOf(stuck);

    rig.setNow(T0 + minutes * 60_000 - 1);
    await expect(sweep()).resolves.toMatchObject({ found: 0, expired: 0 });
    expect(await rig.state('acme', stuck.conversationId)).toEqual(stuck);

    rig.setNow(T0 + minutes * 60_000);
    await expect(sweep()).resolves.toMatchObject({ found: 1, expired: 1 });
    const stored = await rig.state('acme', stuck.conversationId);
    expect(stored?.phase).toBe('bot');
    expect(stored?.handover).toBeUndefined();
    await conveyor.convey();
    expect(rig.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverId}`]]);
    expect(rig.publisher.events[0]?.detail.data).toMatchObject(declined);
    // The conveyor tells the user from the same record.
    expect(webTexts(outside, stuck.conversationId)).toContain(rig.tenant('acme').messages[told]);
    // Out of the index: the next sweep finds nothing.
    await expect(sweep()).resolves.toMatchObject({ found: 0 });
  },
);

describe('an inbox whose deliverable head nobody took', () => {
  /** Conveyors started by a test, stopped after it. */
  const restarted: ConveyorDriver[] = [];
  afterEach(async () => {
    await Promise.all(restarted.splice(0).map((driver) => driver.stop()));
  });

  let counter = 0;
  /** The user sends a message through the real ingest use case: appended to the inbox, nothing published. */
  async function userSends(
    conversation: Conversation,
    fields: Partial<Omit<UserMessage, 'id'>> = {},
  ): Promise<UserMessage> {
    counter += 1;
    const message: UserMessage = {
      id: `m-${counter}`,
      text: 'hello?',
      receivedAt: rig.clock.now(),
      ...fields,
    };
    const { tenantId, conversationId, channel } = conversation;
    await expect(
      receiveUserMessage(rig.runtime, { tenantId, conversationId, channel, message }),
    ).resolves.toEqual({ outcome: 'accepted' });
    return message;
  }

  /** The stream's consumer gives up on every record written from now on: it never acts on them. */
  async function consumerGivesUp(): Promise<void> {
    await conveyor.convey();
    await conveyor.stop();
  }

  /** A consumer again, reading the stream from now on; what was written before stays given up. */
  async function consumerBack(): Promise<ConveyorDriver> {
    const driver = await startConveyor(rig);
    restarted.push(driver);
    return driver;
  }

  /** The message ids the bot was asked about, in order. */
  const botGot = (): string[] =>
    outside.of('bot').map((request) => {
      const body: unknown = JSON.parse(request.body);
      return typeof body === 'object' && body !== null && 'messageId' in body ? String(body.messageId) : '';
    });

  const nudges = () => rig.logs.filter((line) => line.message === 'inbox stalled; nudged');

  test.each(['bot', 'intake', 'agent'] as const)(
    'in phase %s is nudged once it has waited INBOX_STALL_MS, and once only',
    async (phase) => {
      // Prepare
      const conversation = await seed(rig, phase, { conversationId: uniqueId('web') });
      await consumerGivesUp();
      const waiting = await userSends(conversation);
      const appended = await rig.state('acme', conversation.conversationId);
      expect(appended?.inbox).toEqual([{ message: waiting }]);

      // Act + Assess: one millisecond early, nothing is due.
      rig.setNow(T0 + INBOX_STALL_MS - 1);
      await expect(sweep()).resolves.toEqual({ found: 0, expired: 0, nudged: 0, skipped: 0 });

      rig.setNow(T0 + INBOX_STALL_MS);
      await expect(sweep()).resolves.toEqual({ found: 1, expired: 0, nudged: 1, skipped: 0 });
      // The nudge wrote nothing but its own mark: the message still waits, now on a new version.
      const nudged = await rig.state('acme', conversation.conversationId);
      expect(nudged).toEqual({
        ...appended,
        version: (appended?.version ?? 0) + 1,
        updatedAt: T0 + INBOX_STALL_MS,
        nudgedAt: T0 + INBOX_STALL_MS,
      });
      // Due again a whole stall later, not at once.
      expect(await rig.rawItem('acme', conversation.conversationId)).toMatchObject({
        lockExpiresAt: T0 + 2 * INBOX_STALL_MS,
      });
      await expect(sweep()).resolves.toEqual({ found: 0, expired: 0, nudged: 0, skipped: 0 });
      expect(await rig.state('acme', conversation.conversationId)).toEqual(nudged);
      expect(nudges()).toHaveLength(1);
      expect(nudges()[0]?.level).toBe('warn');
      expect(rig.publisher.events).toEqual([]);
    },
  );

  test('two sweeps at once nudge it once', async () => {
    const conversation = await seed(rig, 'bot', { conversationId: uniqueId('web') });
    await consumerGivesUp();
    await userSends(conversation);
    const appended = await rig.state('acme', conversation.conversationId);
    rig.setNow(T0 + INBOX_STALL_MS);

    const results = await Promise.all([sweep(), sweep()]);

    expect(results.map((result) => result.nudged).sort()).toEqual([0, 1]);
    expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
      version: (appended?.version ?? 0) + 1,
      nudgedAt: T0 + INBOX_STALL_MS,
    });
    expect(nudges()).toHaveLength(1);
  });

  test('the nudge is a record of its own: a consumer that missed the message delivers it from the nudge', async () => {
    // Prepare: the consumer gives up on the append, and is still down at the first nudge.
    const conversation = await seed(rig, 'bot', { conversationId: uniqueId('web') });
    await consumerGivesUp();
    const waiting = await userSends(conversation);
    rig.setNow(T0 + INBOX_STALL_MS);
    await expect(sweep()).resolves.toMatchObject({ nudged: 1 });
    const back = await consumerBack();
    await back.convey();
    // The records it missed stay missed: the message still waits.
    expect(botGot()).toEqual([]);
    expect((await rig.state('acme', conversation.conversationId))?.inbox).toHaveLength(1);

    // Act: still stalled a whole stall later, so the sweep nudges again.
    rig.setNow(T0 + 2 * INBOX_STALL_MS);
    await expect(sweep()).resolves.toEqual({ found: 1, expired: 0, nudged: 1, skipped: 0 });
    await back.convey();

    // Assess
    expect(botGot()).toEqual([waiting.id]);
    const delivered = await rig.state('acme', conversation.conversationId);
    expect(delivered?.inbox).toBeUndefined();
    // Nothing waits any more: out of the index.
    expect(await rig.rawItem('acme', conversation.conversationId)).not.toHaveProperty('sweepShard');
    rig.setNow(T0 + 10 * INBOX_STALL_MS);
    await expect(sweep()).resolves.toMatchObject({ found: 0 });
  });

  test('a fresh head is not nudged, even when the index names it early', async () => {
    // Prepare
    const conversation = await seed(rig, 'bot', { conversationId: uniqueId('web') });
    await consumerGivesUp();
    await userSends(conversation);
    const appended = await rig.state('acme', conversation.conversationId);
    rig.setNow(T0 + INBOX_STALL_MS - 1);
    const ref = { tenantId: 'acme', conversationId: conversation.conversationId };

    // Act
    const result = await expireSessions({ ...rig.runtime, dueIndex: withIndex(async () => [ref]) });

    // Assess: left as it was, due when the stall is reached.
    expect(result).toEqual({ found: 1, expired: 0, nudged: 0, skipped: 1 });
    expect(await rig.state('acme', conversation.conversationId)).toEqual(appended);
    expect(await rig.rawItem('acme', conversation.conversationId)).toMatchObject({
      lockExpiresAt: T0 + INBOX_STALL_MS,
    });
    expect(nudges()).toEqual([]);
  });

  test('a head held while the desk is asked (handing_over) is not nudged; the outcome sends it on', async () => {
    // Prepare: the consumer is up; it holds the message on purpose.
    const conversation = await seed(rig, 'handing_over', { conversationId: uniqueId('web') });
    const held = await userSends(conversation);
    await conveyor.convey();
    const appended = await rig.state('acme', conversation.conversationId);
    expect(appended?.inbox).toEqual([{ message: held }]);

    // Act: the append put it in the index for the stall.
    rig.setNow(T0 + INBOX_STALL_MS);
    const result = await sweep();

    // Assess: not nudged, due again at the step's deadline.
    expect(result).toEqual({ found: 1, expired: 0, nudged: 0, skipped: 1 });
    expect(await rig.state('acme', conversation.conversationId)).toEqual(appended);
    expect(await rig.rawItem('acme', conversation.conversationId)).toMatchObject({
      lockExpiresAt: T0 + 5 * 60_000,
    });
    expect(nudges()).toEqual([]);
    expect(botGot()).toEqual([]);

    // The desk never answered: the sweep gives up, and that write takes the message to the bot.
    rig.setNow(T0 + 5 * 60_000);
    await expect(sweep()).resolves.toEqual({ found: 1, expired: 1, nudged: 0, skipped: 0 });
    await conveyor.convey();
    expect(botGot()).toEqual([held.id]);
    expect((await rig.state('acme', conversation.conversationId))?.inbox).toBeUndefined();
  });

  test('a head held by a presence check is not nudged: at the stall the check is overdue and given up instead', async () => {
    // Prepare
    const conversation = await seed(rig, 'presence', { conversationId: uniqueId('web') });
    const held = await userSends(conversation);
    await conveyor.convey();
    expect(botGot()).toEqual([]);

    // Act: the presence step times out exactly when the stall is reached.
    rig.setNow(T0 + INBOX_STALL_MS);
    const result = await sweep();
    await conveyor.convey();

    // Assess
    expect(result).toEqual({ found: 1, expired: 1, nudged: 0, skipped: 0 });
    expect(nudges()).toEqual([]);
    const stored = await rig.state('acme', conversation.conversationId);
    expect(stored).toMatchObject({ phase: 'bot' });
    expect(stored?.nudgedAt).toBeUndefined();
    expect(stored?.inbox).toBeUndefined();
    expect(botGot()).toEqual([held.id]);
  });
});
