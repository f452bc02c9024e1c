/**
 * The agent API knows which desk calls by its token, and a desk reaches only the chats handed to
 * it: the real agent-api handler on DynamoDB Local. Tenant `hooks` has its default desk
 * (`hooks-agent-token`) and a `billing` desk whose token is being rotated (old and new both good).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { createHandler } from '../../functions/agent-api/handler';
import type { Dynamo } from '../../shared/store/client';
import { freshTable } from '../support/dynamo';
import { httpEvent } from '../support/http-event';
import { lambdaContext } from '../support/lambda-context';
import { buildRuntime, seed, type TestRig, uniqueId } from './use-cases/runtime';

let dynamo: Dynamo;
let rig: TestRig;
let agentApi: (event: APIGatewayProxyEventV2) => Promise<{ statusCode: number; body: string }>;
const resultSchema = z.object({ statusCode: z.number(), body: z.string() });

beforeAll(async () => {
  const table = await freshTable('agent-tokens');
  dynamo = table.dynamo;
  rig = buildRuntime({ dynamo, tableName: table.tableName, outsideUrl: 'http://127.0.0.1:1' });
  const handler = createHandler(rig.runtime);
  agentApi = async (event) => resultSchema.parse(await handler(event, lambdaContext()));
});
afterAll(() => dynamo.raw.destroy());

function call(conversationId: string, action: 'claim' | 'messages', token: string): APIGatewayProxyEventV2 {
  return httpEvent(`POST /v1/{tenant}/agent/conversations/{conversationId}/${action}`, {
    rawPath: `/v1/hooks/agent/conversations/${encodeURIComponent(conversationId)}/${action}`,
    pathParameters: { tenant: 'hooks', conversationId },
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: action === 'messages' ? JSON.stringify({ text: 'Hello from the desk' }) : '{}',
  });
}

const handingOver = (skill?: string) =>
  seed(rig, 'handing_over', {
    tenantId: 'hooks',
    conversationId: uniqueId('web'),
    additions: { mscChannel: 'Web', ...(skill ? { skill } : {}) },
  });

test("a desk's chat is unknown (404) to the tenant's other desk, and changes nothing there", async () => {
  const billing = await handingOver('billing');
  const support = await handingOver();

  expect((await agentApi(call(billing.conversationId, 'claim', 'hooks-agent-token'))).statusCode).toBe(404);
  expect((await agentApi(call(support.conversationId, 'claim', 'billing-token-new'))).statusCode).toBe(404);
  expect((await rig.state('hooks', billing.conversationId))?.phase).toBe('handing_over');
  expect((await rig.state('hooks', support.conversationId))?.phase).toBe('handing_over');

  expect((await agentApi(call(billing.conversationId, 'claim', 'billing-token-new'))).statusCode).toBe(200);
  expect((await agentApi(call(support.conversationId, 'claim', 'hooks-agent-token'))).statusCode).toBe(200);
  expect((await agentApi(call(billing.conversationId, 'messages', 'hooks-agent-token'))).statusCode).toBe(
    404,
  );
});

test('during a rotation both of a desk’s tokens are good; anything else is 401', async () => {
  const billing = await handingOver('billing');
  expect((await agentApi(call(billing.conversationId, 'claim', 'billing-token-old'))).statusCode).toBe(200);
  expect((await agentApi(call(billing.conversationId, 'messages', 'billing-token-new'))).statusCode).toBe(
    202,
  );
  expect((await agentApi(call(billing.conversationId, 'messages', 'billing-token-old'))).statusCode).toBe(
    202,
  );
  const wrong = await agentApi(call(billing.conversationId, 'messages', 'billing-token-older'));
  expect(wrong.statusCode).toBe(401);
  expect(JSON.parse(wrong.body)).toMatchObject({ error: 'unauthorized' });
});
