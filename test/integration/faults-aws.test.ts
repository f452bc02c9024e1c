/**
 * Faults of the AWS services, against real HTTP on 127.0.0.1: EventBridge's PutEvents answering a
 * partial failure (a fake EventBridge endpoint speaking its JSON protocol), and DynamoDB throttling
 * (a proxy in front of DynamoDB Local answering ProvisionedThroughputExceededException).
 */

import { createServer, request as httpRequest, type Server } from 'node:http';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { newConversation } from '../../shared/domain/conversation';
import { conversationEventMetadata, createEvent } from '../../shared/events/define';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { MessagesWaiting } from '../../shared/events/messages-waiting';
import { PublishError } from '../../shared/events/publisher';
import { createDynamo } from '../../shared/store/client';
import { DynamoConversationStore } from '../../shared/store/conversation-repository';
import { createTable } from '../../shared/store/table';
import { dynamoEndpoint } from '../support/dynamo';

const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const putEventsSchema = z.object({
  Entries: z.array(z.object({ DetailType: z.string(), Detail: z.string() })),
});

function events(count: number) {
  return Array.from({ length: count }, (_, i) =>
    createEvent(MessagesWaiting, conversationEventMetadata(`waiting:m-${i}`, 'acme', `c-${i}`, 0), {
      tenantId: 'acme',
      conversationId: `c-${i}`,
    }),
  );
}

describe('EventBridge PutEvents', () => {
  let batches: number[] = [];
  let failIndexes = new Set<number>();
  let url = '';
  beforeAll(async () => {
    url = await listen(
      createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        request.on('end', () => {
          const { Entries } = putEventsSchema.parse(JSON.parse(body));
          const offset = batches.reduce((sum, size) => sum + size, 0);
          batches.push(Entries.length);
          const results = Entries.map((_, i) =>
            failIndexes.has(offset + i)
              ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }
              : { EventId: `e-${offset + i}` },
          );
          const failed = results.filter((entry) => 'ErrorCode' in entry).length;
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify({ FailedEntryCount: failed, Entries: results }));
        });
      }),
    );
  });
  beforeEach(() => {
    batches = [];
    failIndexes = new Set();
  });
  const publisher = () =>
    new EventBridgePublisher(
      new EventBridgeClient({
        endpoint: url,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
      'bus',
    );

  test('25 events go out in batches of at most 10', async () => {
    await publisher().publish(events(25));
    expect(batches).toEqual([10, 10, 5]);
  });

  test('a partial failure throws, naming the failed entries, so the caller retries (consumers drop the duplicates)', async () => {
    failIndexes = new Set([3, 7]);
    const failure = publisher().publish(events(10));
    await expect(failure).rejects.toBeInstanceOf(PublishError);
    await expect(failure).rejects.toMatchObject({
      failed: [
        { detailType: 'MessagesWaiting', id: 'waiting:m-3', errorCode: 'InternalFailure' },
        { detailType: 'MessagesWaiting', id: 'waiting:m-7', errorCode: 'InternalFailure' },
      ],
    });
  });
});

describe('DynamoDB throttling', () => {
  let throttleNext = 0;
  let proxyUrl = '';
  beforeAll(async () => {
    const target = new URL(dynamoEndpoint());
    proxyUrl = await listen(
      createServer((incoming, outgoing) => {
        if (throttleNext > 0) {
          throttleNext -= 1;
          incoming.resume();
          outgoing.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          outgoing.end(
            JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
              message: 'Rate of requests exceeds the allowed throughput.',
            }),
          );
          return;
        }
        const forward = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            path: incoming.url,
            method: incoming.method,
            headers: incoming.headers,
          },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
            answer.pipe(outgoing);
          },
        );
        incoming.pipe(forward);
      }),
    );
  });

  test('throttled requests are retried by the SDK with backoff and succeed; beyond its attempts the error surfaces', async () => {
    const dynamo = createDynamo({ endpoint: proxyUrl });
    const tableName = `throttle-${Date.now()}`;
    await createTable(dynamo.raw, tableName);
    const store = new DynamoConversationStore(dynamo.doc, tableName);
    throttleNext = 3;
    await store.create(newConversation('acme', 'c-throttled', { type: 'web' }, 0), 0);
    expect(throttleNext).toBe(0);
    await expect(store.get('acme', 'c-throttled', 0)).resolves.toMatchObject({
      conversationId: 'c-throttled',
    });
    throttleNext = 10;
    await expect(store.get('acme', 'c-throttled', 0)).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
    throttleNext = 0;
    dynamo.raw.destroy();
  }, 30_000);
});

describe('DynamoDB that never answers', () => {
  let hanging: Server | undefined;
  afterAll(() => {
    hanging?.closeAllConnections();
    hanging?.close();
  });

  test('each attempt times out (not just a warning), the SDK retries, then the call fails: no Lambda hangs to its own timeout', async () => {
    let requests = 0;
    hanging = createServer((incoming) => {
      requests += 1;
      incoming.resume();
    });
    const url = await listen(hanging);
    const dynamo = createDynamo({ endpoint: url, requestTimeoutMs: 200 });
    const store = new DynamoConversationStore(dynamo.doc, 'never-answers');
    const started = Date.now();
    await expect(store.get('acme', 'c-1', 0)).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(requests).toBe(4);
    expect(Date.now() - started).toBeLessThan(5_000);
    dynamo.raw.destroy();
  }, 15_000);
});
