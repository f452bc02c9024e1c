/** A webhook whose events cannot be published answers 500 (the channel retries) and its retry has the effect once. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { createHandler } from '../../functions/ingest/handler';
import { sign } from '../../shared/http/signature';
import type { Dynamo } from '../../shared/store/client';
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

test('PutEvents fails → 500 without details; the retried webhook is routed once', async () => {
  const handler = createHandler(rig.runtime);
  const body = JSON.stringify({ conversationId: 'c-retry', messageId: 'm-1', text: 'hello' });
  rig.publisher.failNext(1);
  const failed = resultSchema.parse(await handler(webEvent(body), lambdaContext()));
  expect(failed.statusCode).toBe(500);
  expect(JSON.parse(failed.body)).toEqual({ error: 'internal', message: 'internal error, please retry' });
  const retried = resultSchema.parse(await handler(webEvent(body), lambdaContext()));
  expect(retried.statusCode).toBe(200);
  const again = resultSchema.parse(await handler(webEvent(body), lambdaContext()));
  expect(JSON.parse(again.body)).toMatchObject({ duplicate: true });
  expect(rig.publisher.events.map((event) => event.detail.metadata.id)).toEqual(['msg:m-1']);
});
