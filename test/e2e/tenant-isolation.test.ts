/**
 * On the local stack as in AWS, a function reaches a tenant's items only through that tenant's
 * client (AWS: credentials assumed for the tenant, `dynamodb:LeadingKeys` on its role), and its own
 * client only reaches the expiry index. Every e2e test runs through these guarded clients; this one
 * checks that the guard is on every one of them and that the functions' work never tripped it.
 */
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { LocalStack } from '../../infra/local/stack';
import { conversationKey, EXPIRY_INDEX } from '../../shared/store/keys';
import { Flow } from '../support/flow';
import type { CapturedLine } from '../support/local-stack';
import { startTestStack } from '../support/local-stack';

let stack: LocalStack;
let logs: CapturedLine[];
let flow: Flow;
const clients: Array<Parameters<Parameters<LocalStack['onFunctionDynamo']>[0]>[0]> = [];

beforeAll(async () => {
  ({ stack, logs } = await startTestStack({ scheduleTimers: false }));
  flow = new Flow(stack);
  stack.onFunctionDynamo((client) => clients.push(client));
});
afterAll(() => stack.stop());

const getItem = (client: (typeof clients)[number], tenantId: string, conversationId: string) => {
  const { pk, sk } = conversationKey(tenantId, conversationId);
  return client.send(
    new GetItemCommand({ TableName: stack.tableName, Key: { pk: { S: pk }, sk: { S: sk } } }),
  );
};

test("each function client reaches one tenant's items at most, and none reaches another's", async () => {
  // Two tenants' conversations, each through bot and handover, so their clients exist.
  await flow.web('demo', 'iso-demo', { text: 'hello' });
  await flow.web('demo2', 'iso-demo2', { text: 'hello' });

  const reaches = async (client: (typeof clients)[number], tenantId: string, conversationId: string) =>
    getItem(client, tenantId, conversationId).then(
      () => true,
      (error: unknown) => {
        expect(error).toMatchObject({ name: 'AccessDeniedException' });
        return false;
      },
    );
  const reach = await Promise.all(
    clients.map(async (client) => [
      await reaches(client, 'demo', 'iso-demo'),
      await reaches(client, 'demo2', 'iso-demo2'),
      // A tenant none of them acts for.
      await reaches(client, 'nobody', 'iso-demo'),
    ]),
  );
  // The functions' own client and one per tenant that worked.
  expect(reach).toEqual(
    expect.arrayContaining([
      [false, false, false],
      [true, false, false],
      [false, true, false],
    ]),
  );
  expect(reach.every((row) => row.filter(Boolean).length <= 1 && row[2] === false)).toBe(true);
});

test("only a function's own client queries the expiry index", async () => {
  const query = (client: (typeof clients)[number]) =>
    client
      .send(
        new QueryCommand({
          TableName: stack.tableName,
          IndexName: EXPIRY_INDEX,
          KeyConditionExpression: 'sweepShard = :shard AND lockExpiresAt <= :now',
          ExpressionAttributeValues: { ':shard': { S: 'LOCK#0' }, ':now': { N: String(Date.now()) } },
        }),
      )
      .then(
        () => true,
        () => false,
      );
  const allowed = await Promise.all(clients.map(query));
  expect(allowed.filter(Boolean)).toHaveLength(1);
});

test('the flows above never touched an item outside their tenant', () => {
  expect(JSON.stringify(logs)).not.toContain('AccessDeniedException');
});
