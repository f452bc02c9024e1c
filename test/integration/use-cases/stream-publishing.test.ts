/**
 * The transactional outbox read off the table's stream, on DynamoDB Local: every conversation write
 * carries the events it causes in the item's `outbox` (that version's only), and the conveyor
 * publishes them from the write's stream record, once, in record order, with ids that name their
 * cause; a publish that fails gives the record back to the stream. And applyCommand's optimistic
 * concurrency: a lost race decides again, on the refused write's item or a fresh read.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { expireSessions } from '../../../functions/expire-sessions/expire-sessions';
import type { Command, Conversation } from '../../../shared/domain/conversation';
import type { OutgoingEvent } from '../../../shared/events/define';
import { type EventPublisher, PublishError } from '../../../shared/events/publisher';
import { applyCommand } from '../../../shared/flow/apply-command';
import { conversationRef } from '../../../shared/log/logger';
import type { ConversationStore } from '../../../shared/ports/conversation-store';
import type { Runtime } from '../../../shared/runtime/runtime';
import { conversationKey } from '../../../shared/store/keys';
import type { ConveyorDriver } from './conveyor-driver';
import type { OutsideServer } from './outside-server';
import { useDirectRig, useRigWithOutside } from './rig-with-outside';
import { appliedOn, handoverIdOf, LOCK_MS, seed, T0, type TestRig, uniqueId } from './runtime';
import { conveyRecords, recorded } from './stream-records';

const setup = useRigWithOutside('use-stream-publishing');
let outside: OutsideServer;
let rig: TestRig;
let conveyor: ConveyorDriver;
/** Its own table, read by nobody: the tests hand its records to the handler. */
const directRig = useDirectRig('use-stream-publishing', setup);
let direct: TestRig;

beforeAll(async () => {
  ({ rig, outside, conveyor } = setup);
  direct = directRig.rig;
});

const apply = (conversation: Conversation, command: Command, on: TestRig = rig) =>
  applyCommand(on.runtime, conversation.tenantId, conversation.conversationId, () => command);

const applied = (conversation: Conversation, command: Command, on: TestRig = rig) =>
  appliedOn(on, conversation, command);

/** `[detailType, metadata.id]` of each event the item holds in its outbox now. */
const outboxOf = async (conversation: Conversation, on: TestRig = rig) =>
  ((await on.state(conversation.tenantId, conversation.conversationId))?.outbox ?? []).map((event) => [
    event.detailType,
    event.detail.metadata.id,
  ]);

/** Seeded on the main rig with its records conveyed and the outside forgotten (an intake may ask). */
const seeded = async (phase: Parameters<typeof seed>[1]) => {
  const conversation = await seed(rig, phase, { conversationId: uniqueId('web') });
  await conveyor.convey();
  outside.reset();
  rig.publisher.reset();
  return conversation;
};

describe("a write's events, from its stream record", () => {
  test('a handover from request to end: each version publishes its own events, once, in the order written, with ids that name their cause', async () => {
    const conversation = await seeded('bot');
    const { conversationId } = conversation;
    const handoverId = `h-${conversationId}`;
    const steps: Array<[Command, Array<[string, string]>]> = [
      [
        { type: 'requestHandover', handoverId, additions: { mscChannel: 'Web' } },
        [['HandoverRequested', `requested:${handoverId}`]],
      ],
      // The intake starts without an event: the conveyor sees it in the write itself.
      [{ type: 'presenceChecked', handoverId, status: 'online' }, []],
      [
        { type: 'intakeCompleted', handoverId, answers: { name: 'Ada' } },
        [['IntakeCompleted', `completed:${handoverId}`]],
      ],
      [
        { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS },
        [['SessionStarted', `started:${handoverId}`]],
      ],
      [{ type: 'activity', lockMs: LOCK_MS }, []],
      [{ type: 'endSession', by: 'agent' }, [['SessionEnded', `ended:${handoverId}`]]],
    ];
    const written: OutgoingEvent[] = [];
    for (const [index, [command, events]] of steps.entries()) {
      rig.setNow(T0 + index * 1_000);
      const state = await applied(conversation, command);
      // The item holds this version's events only: the write before's are gone from it.
      expect(await outboxOf(conversation)).toEqual(events);
      written.push(...(state.outbox ?? []));
    }

    await conveyor.convey();
    await conveyor.convey();

    expect(rig.publisher.published(conversationId)).toEqual(steps.flatMap(([, events]) => events));
    // The very events each write stored, read back from its record.
    expect(rig.publisher.of(conversationId)).toEqual(written);
    expect(rig.publisher.of(conversationId)[1]?.detail.metadata).toEqual({
      id: `completed:${handoverId}`,
      version: 1,
      time: new Date(T0 + 2_000).toISOString(),
      tenantId: 'acme',
      correlationId: conversationRef('acme', conversationId),
    });
    expect(conveyor.failures).toEqual([]);
  });

  test('an event-bearing write followed at once by one without events: the first still publishes (its record has them)', async () => {
    // Regression of the in-item outbox this replaced: a write soon after a failed publish dropped
    // the events it left, and the user was never told an agent joined.
    const handingOver = await seeded('handing_over');
    const handoverId = handoverIdOf(handingOver);
    rig.publisher.failNext(1);

    await applied(handingOver, { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS });
    await applied(handingOver, { type: 'activity', lockMs: LOCK_MS });
    expect(await outboxOf(handingOver)).toEqual([]);
    await conveyor.convey();

    expect(rig.publisher.published(handingOver.conversationId)).toEqual([
      ['SessionStarted', `started:${handoverId}`],
    ]);
    expect(rig.publisher.attempts).toBe(2);
    expect(conveyor.failures).toEqual([]);
  });

  test('writes that keep the version (an index entry moved, the sweep putting it back) publish nothing, though the item still holds the last events', async () => {
    const handingOver = await seeded('handing_over');
    const { tenantId, conversationId } = handingOver;
    const handoverId = handoverIdOf(handingOver);
    const agent = await applied(handingOver, { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS });
    await conveyor.convey();
    expect(rig.publisher.published(conversationId)).toEqual([['SessionStarted', `started:${handoverId}`]]);

    // The sweep index entry says the conversation is due long before its lock ends; the sweep
    // finds nothing to do and puts the entry back at the lock's end. Neither write counts the version.
    await rig.dynamo.doc.send(
      new UpdateCommand({
        TableName: rig.tableName,
        Key: conversationKey(tenantId, conversationId),
        UpdateExpression: 'SET lockExpiresAt = :early',
        ExpressionAttributeValues: { ':early': T0 + 1_000 },
      }),
    );
    rig.setNow(T0 + 1_000);
    await expireSessions(rig.runtime);
    const raw = await rig.rawItem(tenantId, conversationId);
    expect(raw).toMatchObject({ version: agent.version, lockExpiresAt: T0 + LOCK_MS });
    expect(raw?.outbox).toHaveLength(1);

    // A later write's events come out after them: the records before it were read, and published nothing.
    await applied(handingOver, { type: 'endSession', by: 'user' });
    await conveyor.convey();

    expect(rig.publisher.published(conversationId)).toEqual([
      ['SessionStarted', `started:${handoverId}`],
      ['SessionEnded', `ended:${handoverId}`],
    ]);
  });

  test('a record whose write kept the version, handed to the handler, publishes nothing', async () => {
    const handingOver = await seed(direct, 'handing_over', { conversationId: uniqueId('web') });
    const handoverId = handoverIdOf(handingOver);
    const started = await recorded(direct, handingOver, () =>
      applied(handingOver, { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS }, direct),
    );
    const agent = await direct.state('acme', handingOver.conversationId);
    if (!agent) throw new Error('no conversation');
    const moved = await recorded(direct, handingOver, () =>
      direct.sweepIndex.reindex({
        ...agent,
        handover: {
          id: handoverId,
          requestedAt: T0,
          additions: { mscChannel: 'Web' },
          lockExpiresAt: T0 + 1,
        },
      }),
    );
    expect(moved.dynamodb.NewImage.version).toEqual(moved.dynamodb.OldImage?.version);
    expect(moved.dynamodb.NewImage.outbox).toEqual(started.dynamodb.NewImage.outbox);

    await expect(conveyRecords(direct.runtime, [started, moved, moved])).resolves.toEqual({
      batchItemFailures: [],
    });

    expect(direct.publisher.published(handingOver.conversationId)).toEqual([
      ['SessionStarted', `started:${handoverId}`],
    ]);
  });
});

describe('a publish that fails', () => {
  test('gives its record back to the stream: its events and those after it come out when it is given again, in order, each once', async () => {
    const conversation = await seeded('bot');
    const handoverId = `h-${conversation.conversationId}`;
    rig.publisher.failNext(1);

    await applied(conversation, { type: 'requestHandover', handoverId, additions: { mscChannel: 'Web' } });
    await applied(conversation, { type: 'presenceChecked', handoverId, status: 'offline' });
    await conveyor.convey();

    expect(rig.publisher.published(conversation.conversationId)).toEqual([
      ['HandoverRequested', `requested:${handoverId}`],
      ['HandoverDeclined', `declined:${handoverId}`],
    ]);
    // One publish per record: the refused one, then the same again, then the next.
    expect(rig.publisher.attempts).toBe(3);
    expect(conveyor.failures).toEqual([]);
    expect(rig.logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'stream record not published; it is given again',
        fields: expect.objectContaining({ errorName: 'PublishError' }),
      }),
    );
  });

  test('in a batch, the failed record is reported: those before it are done, it and those after it are not touched until given again', async () => {
    const [a, b] = [
      await seed(direct, 'presence', { conversationId: uniqueId('web') }),
      await seed(direct, 'presence', { conversationId: uniqueId('web') }),
    ];
    const declineA = await recorded(direct, a, () =>
      applied(a, { type: 'presenceChecked', handoverId: handoverIdOf(a), status: 'offline' }, direct),
    );
    const declineB = await recorded(direct, b, () =>
      applied(b, { type: 'presenceChecked', handoverId: handoverIdOf(b), status: 'offline' }, direct),
    );
    const askAgainA = await recorded(direct, a, () =>
      applied(
        a,
        { type: 'requestHandover', handoverId: 'h-again', additions: { mscChannel: 'Web' } },
        direct,
      ),
    );
    // The bus refuses B's event once.
    let refuse = `declined:${handoverIdOf(b)}`;
    const bus: EventPublisher = {
      publish: async (events) => {
        if (events.some((event) => event.detail.metadata.id === refuse)) {
          refuse = '';
          throw new PublishError(
            'refused',
            events.map((event) => ({ detailType: event.detailType, id: event.detail.metadata.id })),
          );
        }
        await direct.publisher.publish(events);
      },
    };
    const ports: Runtime = { ...direct.runtime, publisher: bus };

    await expect(conveyRecords(ports, [declineA, declineB, askAgainA])).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: declineB.dynamodb.SequenceNumber }],
    });
    expect(direct.publisher.published()).toEqual([['HandoverDeclined', `declined:${handoverIdOf(a)}`]]);

    // Given again from the reported record, as Lambda does.
    await expect(conveyRecords(ports, [declineB, askAgainA])).resolves.toEqual({ batchItemFailures: [] });
    expect(direct.publisher.published()).toEqual([
      ['HandoverDeclined', `declined:${handoverIdOf(a)}`],
      ['HandoverDeclined', `declined:${handoverIdOf(b)}`],
      ['HandoverRequested', 'requested:h-again'],
    ]);
  });
});

describe('a lost race decides again', () => {
  test('an illegal command or a decide that declines leaves the conversation as it was: nothing written', async () => {
    const conversation = await seeded('bot');
    const raw = await rig.rawItem('acme', conversation.conversationId);

    await expect(apply(conversation, { type: 'activity', lockMs: LOCK_MS })).resolves.toEqual({
      outcome: 'unchanged',
      state: conversation,
    });
    await expect(
      applyCommand(rig.runtime, 'acme', conversation.conversationId, () => undefined),
    ).resolves.toMatchObject({ outcome: 'unchanged' });
    await expect(
      applyCommand(rig.runtime, 'acme', 'never-seen', () => ({ type: 'expire' })),
    ).resolves.toEqual({
      outcome: 'missing',
    });
    expect(await rig.rawItem('acme', conversation.conversationId)).toEqual(raw);
  });

  test('a change that no longer applies to the item its refused write returned ends there, without a read', async () => {
    // hand-over's case: while it called the desk, the desk claimed the conversation itself.
    const { result, reads } = await decidedAfterLostRace((state, handoverId) =>
      state.phase === 'handing_over' ? { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS } : undefined,
    );

    expect(result).toMatchObject({ outcome: 'unchanged', state: { phase: 'agent' } });
    expect(reads()).toBe(0);
  });

  test('a change that still applies after a lost race is made on a fresh read, carrying its own events only', async () => {
    // Decided on the stale state (handing_over), refused, decided again on the agent's conversation.
    const { conversation, handoverId, result, reads } = await decidedAfterLostRace(
      (state, id): Command =>
        state.phase === 'agent'
          ? { type: 'endSession', by: 'user' }
          : { type: 'handoverFailed', handoverId: id, stage: 'desk:status' },
    );

    expect(result).toMatchObject({
      outcome: 'applied',
      state: { phase: 'bot', version: conversation.version + 2 },
    });
    expect(reads()).toBe(1);
    expect(await outboxOf(conversation)).toEqual([['SessionEnded', `ended:${handoverId}`]]);
    await conveyor.convey();
    expect(rig.publisher.published(conversation.conversationId)).toEqual([
      ['SessionStarted', `started:${handoverId}`],
      ['SessionEnded', `ended:${handoverId}`],
    ]);
  });

  test('8 concurrent activity commands (at most the retry budget) all succeed, version +8 exactly', async () => {
    const conversation = await seeded('agent');
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
  test('20 concurrent activity commands on an agent conversation all succeed, version +20 exactly, nothing to publish', async () => {
    const conversation = await seeded('agent');
    rig.setNow(T0 + 60_000);

    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => apply(conversation, { type: 'activity', lockMs: LOCK_MS })),
    );

    const failures = results.flatMap((result) =>
      result.status === 'rejected' ? [String(result.reason)] : [],
    );
    expect(failures).toEqual([]);
    expect(
      results.map((result) => (result.status === 'fulfilled' ? result.value.outcome : 'rejected')),
    ).toEqual(Array.from({ length: 20 }, () => 'applied'));
    expect(await rig.state('acme', conversation.conversationId)).toMatchObject({
      phase: 'agent',
      version: conversation.version + 20,
      handover: { lockExpiresAt: T0 + 60_000 + LOCK_MS },
    });
    await conveyor.convey();
    expect(rig.publisher.attempts).toBe(0);
  });
});

/**
 * A lost race: another writer gives a handing_over conversation to the agent first, with an event
 * of its own (SessionStarted); then `decide` is applied from the handing_over state the caller
 * knew, on a runtime that counts the reads it makes.
 */
async function decidedAfterLostRace(
  decide: (state: Conversation, handoverId: string) => Command | undefined,
) {
  const conversation = await seeded('handing_over');
  const handoverId = handoverIdOf(conversation);
  await applied(conversation, { type: 'handoverSucceeded', handoverId, lockMs: LOCK_MS });
  const { runtime, reads } = countingReads();
  const result = await applyCommand(
    runtime,
    'acme',
    conversation.conversationId,
    (state) => decide(state, handoverId),
    conversation,
  );
  return { conversation, handoverId, result, reads };
}

/** The rig's runtime, counting the conversation reads its use cases make. */
function countingReads(): { runtime: Runtime; reads: () => number } {
  const store = rig.store;
  let reads = 0;
  const conversations: ConversationStore = {
    get: (tenantId, conversationId, now) => {
      reads += 1;
      return store.get(tenantId, conversationId, now);
    },
    getByRef: (ref, now) => {
      reads += 1;
      return store.getByRef(ref, now);
    },
    create: (conversation, now) => store.create(conversation, now),
    save: (next, now) => store.save(next, now),
  };
  return { runtime: { ...rig.runtime, conversations }, reads: () => reads };
}
