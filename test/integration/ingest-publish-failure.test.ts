/**
 * A webhook whose MessagesWaiting cannot be published is still accepted: the message is kept in the
 * inbox, a retried webhook is a duplicate, and the sweep starts the drain after the grace period.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { expireSessions } from '../../functions/expire-sessions/expire-sessions';
import { createHandler } from '../../functions/ingest/handler';
import { sign } from '../../shared/http/signature';
import type { Dynamo } from '../../shared/store/client';
import { INBOX_GRACE_MS } from '../../shared/store/conversation-repository';
import { freshTable } from '../support/dynamo';
import { lambdaContext } from '../support/lambda-context';
import { buildRuntime, SECRETS, type TestRig } from './use-cases/runtime';

let dynamo: Dynamo;
let rig: TestRig;

beforeAll(async () => {
  const table = await freshTable('publish-failure');
  dynamo = table.dynamo;
  rig = buildRuntime({ dynamo, tableName: table.tableName, outsideUrl: 'http://127.0.0.1:1' });
});
afterAll(() => dynamo.raw.destroy());

const resultSchema = z.object({ statusCode: z.number(), body: z.string() });

function webEvent(body: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /v1/{tenant}/web',
    rawPath: '/v1/acme/web',
    rawQueryString: '',
    headers: { 'x-baton-signature': sign(SECRETS.webSecret, body) },
    pathParameters: { tenant: 'acme' },
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '0',
      apiId: 'test',
      domainName: 'test',
      domainPrefix: 'test',
      http: {
        method: 'POST',
        path: '/v1/acme/web',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: 'r',
      routeKey: 'POST /v1/{tenant}/web',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  };
}

test('PutEvents fails → 200 all the same; the retry is a duplicate; the sweep asks for the drain once the grace period passed', async () => {
  const handler = createHandler(rig.runtime);
  const body = JSON.stringify({ conversationId: 'c-retry', messageId: 'm-1', text: 'hello' });
  rig.publisher.failNext(1);
  const failed = resultSchema.parse(await handler(webEvent(body), lambdaContext()));
  expect(failed.statusCode).toBe(200);
  expect(JSON.parse(failed.body)).toEqual({ ok: true, duplicate: false });
  const retried = resultSchema.parse(await handler(webEvent(body), lambdaContext()));
  expect(JSON.parse(retried.body)).toEqual({ ok: true, duplicate: true });
  expect(rig.publisher.events).toEqual([]);
  expect((await rig.state('acme', 'c-retry'))?.inbox).toEqual([
    { message: expect.objectContaining({ id: 'm-1', text: 'hello' }), attempts: 0 },
  ]);

  rig.setNow(rig.clock.now() + INBOX_GRACE_MS - 1);
  await expect(expireSessions(rig.runtime)).resolves.toMatchObject({ found: 0 });
  rig.setNow(rig.clock.now() + 1);
  await expect(expireSessions(rig.runtime)).resolves.toMatchObject({ found: 1, drained: 1 });
  expect(rig.publisher.published()).toEqual([['MessagesWaiting', expect.stringMatching(/^waiting:sweep:/)]]);
});
