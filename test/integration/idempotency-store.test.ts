/** IdempotencyStore and `once` on DynamoDB Local: one effect per key, retries after failures, expiry from timestamps. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { once } from '../../shared/flow/once';
import { conversationRef } from '../../shared/log/logger';
import type { IdempotencyClaim } from '../../shared/ports/idempotency-store';
import type { Dynamo } from '../../shared/store/client';
import { DynamoIdempotencyStore } from '../../shared/store/idempotency-repository';
import { idempotencyPartition } from '../../shared/store/keys';
import { freshTable } from '../support/dynamo';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
let dynamo: Dynamo;
let tableName: string;
let store: DynamoIdempotencyStore;

beforeAll(async () => {
  const table = await freshTable('idempotency');
  dynamo = table.dynamo;
  tableName = table.tableName;
  store = new DynamoIdempotencyStore(dynamo.doc, tableName);
});
afterAll(() => dynamo.raw.destroy());

const claimed = { claimId: expect.any(String) };

const claimOf = (key: string, tenantId = 'acme', conversationId = 'wa:31612345678'): IdempotencyClaim => ({
  tenantId,
  conversationId,
  scope: 'test',
  key,
  retentionSeconds: 3600,
  inProgressSeconds: 30,
});

test('50 concurrent deliveries of one key run the work once', async () => {
  let runs = 0;
  const results = await Promise.all(
    Array.from({ length: 50 }, () =>
      once(
        store,
        claimOf('k-concurrent'),
        () => T0,
        async () => {
          runs += 1;
        },
      ),
    ),
  );
  expect(runs).toBe(1);
  expect(results.filter((result) => result === 'claimed')).toHaveLength(1);
});

test('a failed run releases the key so the retry does the work', async () => {
  let runs = 0;
  await expect(
    once(
      store,
      claimOf('k-fail'),
      () => T0,
      async () => {
        runs += 1;
        throw new Error('outside system down');
      },
    ),
  ).rejects.toThrow('outside system down');
  await expect(
    once(
      store,
      claimOf('k-fail'),
      () => T0,
      async () => {
        runs += 1;
      },
    ),
  ).resolves.toBe('claimed');
  expect(runs).toBe(2);
});

test('a claim abandoned in progress (the worker died) becomes claimable after its window', async () => {
  await expect(store.claim(claimOf('k-dead'), T0)).resolves.toEqual(claimed);
  await expect(store.claim(claimOf('k-dead'), T0 + 29_000)).resolves.toBe('duplicate');
  await expect(store.claim(claimOf('k-dead'), T0 + 31_000)).resolves.toEqual(claimed);
});

test('a completed key stays a duplicate for its retention, then is forgotten without waiting for TTL deletion', async () => {
  await once(
    store,
    claimOf('k-done'),
    () => T0,
    async () => undefined,
  );
  await expect(store.claim(claimOf('k-done'), T0 + 3_599_000)).resolves.toBe('duplicate');
  await expect(store.claim(claimOf('k-done'), T0 + 3_601_000)).resolves.toEqual(claimed);
});

test('a late release (its claim expired, another holds the key) leaves the other claim in place', async () => {
  const take = async (at: number) => {
    const held = await store.claim(claimOf('k-late'), at);
    if (held === 'duplicate') throw new Error(`k-late not claimable at +${at - T0} ms`);
    return held;
  };
  const late = await take(T0);
  const fresh = await take(T0 + 31_000);
  await store.release(claimOf('k-late'), late);
  await expect(store.claim(claimOf('k-late'), T0 + 32_000)).resolves.toBe('duplicate');
  await store.release(claimOf('k-late'), fresh);
  await expect(store.claim(claimOf('k-late'), T0 + 33_000)).resolves.toEqual(claimed);
});

test('the same key under two tenants is two keys', async () => {
  await expect(store.claim(claimOf('k-shared', 'tenant-a'), T0)).resolves.toEqual(claimed);
  await expect(store.claim(claimOf('k-shared', 'tenant-b'), T0)).resolves.toEqual(claimed);
});

test("a conversation's records are found and forgotten together, by one query on its reference; no key holds its id", async () => {
  const user = 'wa:31699999999';
  for (const key of ['wamid.one', 'wamid.two', 'wamid.three']) {
    await once(
      store,
      claimOf(key, 'acme', user),
      () => T0,
      async () => undefined,
    );
  }
  await once(
    store,
    claimOf('wamid.other', 'acme', 'wa:31688888888'),
    () => T0,
    async () => undefined,
  );
  const { Items } = await dynamo.doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': idempotencyPartition('acme', user) },
    }),
  );
  expect(Items).toHaveLength(3);
  expect(JSON.stringify(Items)).not.toMatch(/31699999999|wamid/);

  await expect(
    store.forgetConversation({ tenantId: 'acme', conversationRef: conversationRef('acme', user) }),
  ).resolves.toBe(3);
  // Forgotten: the same deliveries would be taken again; the other user's stays.
  await expect(store.claim(claimOf('wamid.one', 'acme', user), T0)).resolves.toEqual(claimed);
  await expect(store.claim(claimOf('wamid.other', 'acme', 'wa:31688888888'), T0)).resolves.toBe('duplicate');
  await expect(
    store.forgetConversation({
      tenantId: 'acme',
      conversationRef: conversationRef('acme', 'wa:31600000000'),
    }),
  ).resolves.toBe(0);
});
