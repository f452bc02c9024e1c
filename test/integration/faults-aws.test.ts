/**
 * Faults of the AWS services, against real HTTP on 127.0.0.1: EventBridge's PutEvents answering a
 * partial failure (a fake EventBridge endpoint speaking its JSON protocol), DynamoDB throttling
 * (a proxy in front of DynamoDB Local answering ProvisionedThroughputExceededException), and a
 * DynamoDB answer lost on its way back (the same proxy, keeping one answer to itself).
 */

import { createServer, request as httpRequest, type Server } from 'node:http';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import * as z from 'zod';
import { type Conversation, newConversation } from '../../shared/domain/conversation';
import { conversationEventMetadata, createEvent } from '../../shared/events/define';
import { EventBridgePublisher } from '../../shared/events/eventbridge-publisher';
import { PublishError } from '../../shared/events/publisher';
import { SessionEnded } from '../../shared/events/session-ended';
import { once } from '../../shared/flow/once';
import { conversationRef } from '../../shared/log/logger';
import { VersionConflictError } from '../../shared/ports/version-conflict';
import { createDynamo, type Dynamo } from '../../shared/store/client';
import { DynamoConversationStore } from '../../shared/store/conversation-repository';
import { DynamoIdempotencyStore } from '../../shared/store/idempotency-repository';
import { DynamoInboxStore } from '../../shared/store/inbox-repository';
import { DynamoSweepIndex } from '../../shared/store/sweep-index';
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
    createEvent(SessionEnded, conversationEventMetadata(`ended:h-${i}`, 'acme', `c-${i}`, 0), {
      tenantId: 'acme',
      conversationRef: conversationRef('acme', `c-${i}`),
      handoverId: `h-${i}`,
      reason: 'agent',
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
        { detailType: 'SessionEnded', id: 'ended:h-3', errorCode: 'InternalFailure' },
        { detailType: 'SessionEnded', id: 'ended:h-7', errorCode: 'InternalFailure' },
      ],
    });
  });
});

describe('DynamoDB throttling, and an answer lost', () => {
  let throttleNext = 0;
  /** The next request whose body contains this reaches DynamoDB Local, but its answer never comes back. */
  let loseAnswerTo: string | undefined;
  let lostAnswers = 0;
  let proxyUrl = '';
  beforeAll(async () => {
    const target = new URL(dynamoEndpoint());
    proxyUrl = await listen(
      createServer(async (incoming, outgoing) => {
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
        const chunks: Buffer[] = [];
        for await (const chunk of incoming) chunks.push(Buffer.from(chunk));
        const body = Buffer.concat(chunks);
        const lose = loseAnswerTo !== undefined && body.includes(loseAnswerTo);
        if (lose) loseAnswerTo = undefined;
        const forward = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            path: incoming.url,
            method: incoming.method,
            headers: incoming.headers,
          },
          (answer) => {
            if (lose) {
              // Applied by DynamoDB, never answered: the client's request timeout runs out.
              answer.resume();
              lostAnswers += 1;
              return;
            }
            outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forward.end(body);
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

  describe('an answer lost on its way back: the SDK sends the request again after 300 ms', () => {
    let dynamo: Dynamo;
    let conversations: DynamoConversationStore;
    let inbox: DynamoInboxStore;
    let idempotency: DynamoIdempotencyStore;
    let sweepIndex: DynamoSweepIndex;
    beforeEach(async () => {
      dynamo = createDynamo({ endpoint: proxyUrl, requestTimeoutMs: 300 });
      const tableName = `lost-answer-${Date.now()}`;
      await createTable(dynamo.raw, tableName);
      conversations = new DynamoConversationStore(dynamo.doc, tableName);
      inbox = new DynamoInboxStore(dynamo.doc, tableName, conversations);
      idempotency = new DynamoIdempotencyStore(dynamo.doc, tableName);
      sweepIndex = new DynamoSweepIndex(dynamo.doc, tableName);
      lostAnswers = 0;
    });
    afterEach(() => dynamo.raw.destroy());

    const fresh = newConversation('acme', 'c-lost', { type: 'web' }, 0);
    const append = () =>
      inbox.appendMessage(
        fresh,
        { id: 'm-1', text: 'hello', receivedAt: 0 },
        { scope: 'test', retentionSeconds: 60 },
        1_000,
      );

    test('an append is appended once, and says so', async () => {
      loseAnswerTo = 'TransactItems';
      await expect(append()).resolves.toBe('appended');
      expect(lostAnswers).toBe(1);
      expect((await conversations.get('acme', 'c-lost', 2_000))?.inbox).toHaveLength(1);
    });

    test("a nudge is applied once: the resent request finds the nudge's own version and changes nothing", async () => {
      await append();
      const waiting = await conversations.get('acme', 'c-lost', 2_000);
      if (!waiting) throw new Error('no conversation');
      loseAnswerTo = 'nudgedAt';
      await sweepIndex.nudge(waiting, 3_000);
      expect(lostAnswers).toBe(1);
      await expect(conversations.get('acme', 'c-lost', 4_000)).resolves.toMatchObject({
        version: waiting.version + 1,
        nudgedAt: 3_000,
        inbox: [{ message: { id: 'm-1' } }],
      });
    });

    test('a once-only claim is still claimed: the work runs, once', async () => {
      const claim = {
        tenantId: 'acme',
        conversationId: 'c-1',
        scope: 'test',
        key: 'k-1',
        retentionSeconds: 60,
        inProgressSeconds: 60,
      };
      let runs = 0;
      const work = async () => {
        runs += 1;
      };
      loseAnswerTo = 'in_progress';
      await expect(once(idempotency, claim, () => 1_000, work)).resolves.toBe('claimed');
      expect(lostAnswers).toBe(1);
      expect(runs).toBe(1);
      // A redelivery (a claim of its own) is a duplicate.
      await expect(once(idempotency, claim, () => 2_000, work)).resolves.toBe('duplicate');
      expect(runs).toBe(1);
    });

    test('a conversation write counts as written', async () => {
      await conversations.create(fresh, 1_000);
      loseAnswerTo = 'writeId';
      const next: Conversation = { ...fresh, agentStatus: 'online', version: fresh.version + 1 };
      await expect(conversations.save(next, 2_000)).resolves.toBeUndefined();
      expect(lostAnswers).toBe(1);
      await expect(conversations.get('acme', 'c-lost', 3_000)).resolves.toMatchObject({
        agentStatus: 'online',
        version: next.version,
      });
      // Another writer on the version it replaced is still refused.
      await expect(conversations.save({ ...next, agentStatus: 'offline' }, 4_000)).rejects.toBeInstanceOf(
        VersionConflictError,
      );
    });
  });
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
