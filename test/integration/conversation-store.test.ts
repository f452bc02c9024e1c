/**
 * ConversationStore on the real DynamoDB Local: optimistic concurrency, TTL filtering, the expiry
 * index, the sweep's nudge.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Conversation, newConversation, transition } from '../../shared/domain/conversation';
import { INBOX_STALL_MS } from '../../shared/domain/inbox';
import { conversationEventMetadata, createEvent } from '../../shared/events/define';
import { SessionEnded } from '../../shared/events/session-ended';
import { conversationRef } from '../../shared/log/logger';
import { VersionConflictError } from '../../shared/ports/version-conflict';
import type { Dynamo } from '../../shared/store/client';
import { DynamoConversationStore } from '../../shared/store/conversation-repository';
import { conversationKey } from '../../shared/store/keys';
import { DynamoSweepIndex } from '../../shared/store/sweep-index';
import { freshTable } from '../support/dynamo';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const web = { type: 'web' } as const;
let dynamo: Dynamo;
let tableName: string;
let store: DynamoConversationStore;
let sweepIndex: DynamoSweepIndex;

beforeAll(async () => {
  ({ dynamo, tableName } = await freshTable('conversations'));
  store = new DynamoConversationStore(dynamo.doc, tableName, { retentionSeconds: 3600 });
  sweepIndex = new DynamoSweepIndex(dynamo.doc, tableName);
});
afterAll(() => dynamo.raw.destroy());

const handover = { handoverId: 'h1', additions: { mscChannel: 'WhatsApp' } } as const;

test('a created conversation reads back as written', async () => {
  const created = newConversation('acme', 'c-read', web, T0);
  await store.create(created, T0);
  await expect(store.get('acme', 'c-read', T0)).resolves.toEqual(created);
});

test("a WhatsApp conversation's key names no one: the phone number is in the item, not in its key", async () => {
  const created = newConversation(
    'acme',
    'wa:31612345678',
    { type: 'whatsapp', waId: '31612345678', phoneNumberId: '1' },
    T0,
  );
  await store.create(created, T0);
  const { pk, sk } = conversationKey('acme', 'wa:31612345678');
  expect(`${pk}${sk}`).not.toContain('31612345678');
  expect(pk).toMatch(/^T#acme#C#c-[0-9a-f]{32}$/);
  const { Item } = await dynamo.doc.send(new GetCommand({ TableName: tableName, Key: { pk, sk } }));
  expect(Item?.conversationId).toBe('wa:31612345678');
});

test('creating a conversation that exists is a conflict carrying the stored one', async () => {
  const created = newConversation('acme', 'c-twice', web, T0);
  await store.create(created, T0);
  const again = store.create(
    newConversation('acme', 'c-twice', { type: 'web', pageUrl: 'https://x.test' }, T0 + 1),
    T0 + 1,
  );
  await expect(again).rejects.toBeInstanceOf(VersionConflictError);
  await expect(again).rejects.toMatchObject({ current: created });
});

test('20 concurrent writers of one conversation: exactly one wins each round, the others get a typed conflict', async () => {
  let current: Conversation = newConversation('acme', 'c-race', web, T0);
  await store.create(current, T0);
  for (let round = 0; round < 5; round += 1) {
    const now = T0 + round + 1;
    // Every writer read the same version and tries its own transition from it.
    const attempts = Array.from({ length: 20 }, (_, writer) => {
      const next = transition(
        current,
        { type: 'requestHandover', handoverId: `r${round}-w${writer}`, additions: handover.additions },
        now,
      );
      return store.save(next.state, now).then(
        () => ({ writer, won: true as const, state: next.state }),
        (error: unknown) => ({ writer, won: false as const, error }),
      );
    });
    const results = await Promise.all(attempts);
    const winners = results.filter((result) => result.won);
    const losers = results.filter((result) => !result.won);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers)
      expect(loser.won ? undefined : loser.error).toBeInstanceOf(VersionConflictError);
    const stored = await store.get('acme', 'c-race', now);
    const winner = winners[0];
    expect(stored?.version).toBe(current.version + 1);
    expect(stored?.handover?.id).toBe(winner?.won ? winner.state.handover?.id : 'none');
    // Back to the bot for the next round, from what is stored.
    if (!stored) throw new Error('lost the conversation');
    const released = transition(
      stored,
      { type: 'presenceChecked', handoverId: stored.handover?.id ?? 'none', status: 'offline' },
      now,
    );
    await store.save(released.state, now);
    current = released.state;
  }
});

test('a stale writer cannot overwrite a newer version', async () => {
  const created = newConversation('acme', 'c-stale', web, T0);
  await store.create(created, T0);
  const first = transition(created, { type: 'requestHandover', ...handover }, T0 + 1);
  await store.save(first.state, T0 + 1);
  const stale = transition(
    created,
    { type: 'requestHandover', handoverId: 'h-stale', additions: handover.additions },
    T0 + 2,
  );
  await expect(store.save(stale.state, T0 + 2)).rejects.toMatchObject({
    current: { version: 1, handover: { id: 'h1' } },
  });
});

test('saving a conversation that was never created is a conflict, not an upsert', async () => {
  const ghost = transition(
    newConversation('acme', 'c-ghost', web, T0),
    { type: 'requestHandover', ...handover },
    T0,
  );
  await expect(store.save(ghost.state, T0)).rejects.toBeInstanceOf(VersionConflictError);
  await expect(store.get('acme', 'c-ghost', T0)).resolves.toBeUndefined();
});

test("one tenant never reads another tenant's conversation of the same id", async () => {
  await store.create(newConversation('tenant-a', 'shared-id', web, T0), T0);
  await expect(store.get('tenant-b', 'shared-id', T0)).resolves.toBeUndefined();
  await expect(store.get('tenant-a', 'shared-id', T0)).resolves.toMatchObject({ tenantId: 'tenant-a' });
});

test("found by its reference, as the bus names it: by that tenant's alone, another tenant's reference finds nothing", async () => {
  const created = newConversation('tenant-a', 'wa:31600000042', web, T0);
  await store.create(created, T0);
  const ref = conversationRef('tenant-a', 'wa:31600000042');
  await expect(store.getByRef({ tenantId: 'tenant-a', conversationRef: ref }, T0)).resolves.toEqual(created);
  await expect(store.getByRef({ tenantId: 'tenant-b', conversationRef: ref }, T0)).resolves.toBeUndefined();
  const otherRef = conversationRef('tenant-b', 'wa:31600000042');
  await expect(
    store.getByRef({ tenantId: 'tenant-a', conversationRef: otherRef }, T0),
  ).resolves.toBeUndefined();
});

test('an item past its TTL reads as absent even though DynamoDB has not deleted it, and can be created again', async () => {
  await store.create(newConversation('acme', 'c-ttl', web, T0), T0);
  const afterRetention = T0 + 3601 * 1000;
  await expect(store.get('acme', 'c-ttl', T0 + 3599 * 1000)).resolves.toBeDefined();
  await expect(store.get('acme', 'c-ttl', afterRetention)).resolves.toBeUndefined();
  const reborn = newConversation('acme', 'c-ttl', web, afterRetention);
  await store.create(reborn, afterRetention);
  await expect(store.get('acme', 'c-ttl', afterRetention)).resolves.toEqual(reborn);
});

test('the expiry index finds exactly the agent locks that ran out, and forgets released ones', async () => {
  const lockMs = 60_000;
  const toAgent = async (conversationId: string, at: number): Promise<Conversation> => {
    let state = newConversation('sweep', conversationId, web, at);
    await store.create(state, at);
    for (const command of [
      { type: 'requestHandover', ...handover },
      { type: 'presenceChecked', handoverId: handover.handoverId, status: 'online' },
      { type: 'intakeCompleted', handoverId: handover.handoverId, answers: {} },
      { type: 'handoverSucceeded', handoverId: handover.handoverId, lockMs },
    ] as const) {
      state = transition(state, command, at).state;
      await store.save(state, at);
    }
    return state;
  };
  const early = await toAgent('early', T0);
  await toAgent('late', T0 + 10 * lockMs);
  const sweepAt = T0 + lockMs + 1;
  // Other tests' conversations share the table (one stuck in presence is due at its step deadline).
  const dueOfThisTest = async (at: number) =>
    (await sweepIndex.findDueForSweep(at, 100)).filter((ref) => ref.tenantId === 'sweep');
  expect(await dueOfThisTest(sweepAt)).toEqual([{ tenantId: 'sweep', conversationId: 'early' }]);
  const released = transition(early, { type: 'expire' }, sweepAt);
  await store.save(released.state, sweepAt);
  expect(await dueOfThisTest(sweepAt)).toEqual([]);
  expect(await dueOfThisTest(T0 + 11 * lockMs)).toEqual([{ tenantId: 'sweep', conversationId: 'late' }]);
});

describe('nudge', () => {
  const rawItem = async (conversationId: string) =>
    (
      await dynamo.doc.send(
        new GetCommand({
          TableName: tableName,
          Key: conversationKey('nudge', conversationId),
          ConsistentRead: true,
        }),
      )
    ).Item;

  /** A bot conversation with one message waiting and the events of its last write in its outbox. */
  async function waiting(conversationId: string): Promise<Conversation> {
    const created = newConversation('nudge', conversationId, web, T0);
    await store.create(created, T0);
    const ended = createEvent(
      SessionEnded,
      conversationEventMetadata('ended:h0', 'nudge', conversationId, T0),
      {
        tenantId: 'nudge',
        conversationRef: conversationRef('nudge', conversationId),
        handoverId: 'h0',
        reason: 'agent',
      },
    );
    const written: Conversation = {
      ...created,
      version: 1,
      updatedAt: T0 + 1,
      inbox: [{ message: { id: 'm1', text: 'hello?', receivedAt: T0 + 1 } }],
      outbox: [ended],
    };
    await store.save(written, T0 + 1);
    expect(await rawItem(conversationId)).toHaveProperty('outbox');
    return written;
  }

  test('bumps the version, sets nudgedAt and updatedAt, removes the outbox and changes nothing else', async () => {
    // Prepare
    const before = await waiting('c-nudged');
    const at = T0 + 1 + INBOX_STALL_MS;

    // Act
    const nudged = await sweepIndex.nudge(before, at);

    // Assess
    expect(nudged).toBe(true);
    const { outbox: _published, ...rest } = before;
    await expect(store.get('nudge', 'c-nudged', at)).resolves.toStrictEqual({
      ...rest,
      version: 2,
      updatedAt: at,
      nudgedAt: at,
    });
    const raw = await rawItem('c-nudged');
    expect(raw).not.toHaveProperty('outbox');
    // The head still waits: due for the sweep again a whole stall later.
    expect(raw).toMatchObject({ lockExpiresAt: at + INBOX_STALL_MS, sweepShard: expect.any(String) });
  });

  test('is refused on a stale version, and the stored conversation stays as it is', async () => {
    // Prepare: the message was taken (a newer version) after the sweep read the conversation.
    const read = await waiting('c-stale-nudge');
    const popped: Conversation = {
      ...read,
      version: 2,
      updatedAt: T0 + 2,
      inbox: undefined,
      outbox: undefined,
    };
    await store.save(popped, T0 + 2);
    const at = T0 + 1 + INBOX_STALL_MS;

    // Act
    const nudged = await sweepIndex.nudge(read, at);

    // Assess
    expect(nudged).toBe(false);
    const stored = await store.get('nudge', 'c-stale-nudge', at);
    expect(stored).toMatchObject({ version: 2, updatedAt: T0 + 2 });
    expect(stored?.nudgedAt).toBeUndefined();
  });

  test('a nudge on the version it already nudged is refused: two sweeps nudge once', async () => {
    const read = await waiting('c-twice-nudged');
    const at = T0 + 1 + INBOX_STALL_MS;

    const results = await Promise.all([sweepIndex.nudge(read, at), sweepIndex.nudge(read, at + 1)]);

    expect([...results].sort()).toEqual([false, true]);
    await expect(store.get('nudge', 'c-twice-nudged', at + 1)).resolves.toMatchObject({ version: 2 });
  });

  test('a conversation that does not exist is not created by a nudge', async () => {
    const ghost: Conversation = { ...newConversation('nudge', 'c-ghost-nudge', web, T0), version: 3 };

    await expect(sweepIndex.nudge(ghost, T0 + INBOX_STALL_MS)).resolves.toBe(false);

    expect(await rawItem('c-ghost-nudge')).toBeUndefined();
  });
});
