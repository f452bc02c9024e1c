/**
 * The warm hot path: a user message for a bot-owned conversation through the real ingest handler
 * (real AWS adapters, DynamoDB Local, the fake EventBridge), against the SDK calls it needs made
 * directly: the same two-item transaction and one PutEvents. Interleaved, one op each per round.
 * A middleware on Baton's DynamoDB client counts its requests per message.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHandler } from '../functions/ingest/handler';
import { readEnvironment } from '../shared/config/environment';
import { signatureHeaders } from '../shared/http/signature';
import { useRefKey } from '../shared/log/logger';
import { createAwsCore, scopedPorts } from '../shared/runtime/aws-core';
import { DynamoAnswerPushes } from '../shared/store/answer-pushes';
import { createDynamo } from '../shared/store/client';
import { DynamoInboxStore } from '../shared/store/inbox-repository';
import { BENCH_TABLE, type BenchEnvironment } from './environment';
import { ingestRequests } from './ingest-floor';
import { type BenchRow, median } from './report';

const ROUNDS = 400;
const WARM_UP = 50;
const CONVERSATIONS = 25;

export async function measureHotPath(env: BenchEnvironment, webSecret: string): Promise<BenchRow[]> {
  Object.assign(process.env, env.variables, {
    LAMBDA_TASK_ROOT: path.resolve('bench/results/bundles/ingest'),
  });
  let dynamoRequests = 0;
  const dynamo = createDynamo({ endpoint: env.dynamoEndpoint, region: 'eu-west-1' });
  dynamo.raw.middlewareStack.add(
    (next) => async (args) => {
      dynamoRequests += 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  // Built as the deployed ingest is (lambda.ts): the core ports and, per tenant, the inbox; every
  // tenant's table client is the counted one.
  const core = createAwsCore('ingest', readEnvironment(), () => dynamo);
  useRefKey(await core.ownSecrets.resolve(core.env.refKey));
  const handler = createHandler(
    scopedPorts(core, {}, (tenant) => ({
      inbox: new DynamoInboxStore(tenant.doc, core.env.tableName, tenant.conversations, tenant.retention),
      answerPushes: new DynamoAnswerPushes(tenant.doc, core.env.tableName, tenant.conversations),
    })),
  );
  const raw = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));

  const baton = async (round: number): Promise<void> => {
    const body = JSON.stringify({
      conversationId: `hot-${round % CONVERSATIONS}`,
      messageId: randomUUID(),
      text: 'hi',
    });
    const result = await handler(webEvent(body, signatureHeaders(webSecret, body)), lambdaContext);
    if (typeof result !== 'object' || result.statusCode !== 200)
      throw new Error(`ingest answered ${JSON.stringify(result)}`);
  };
  // The floor sends the very request the handler sends (the same transaction, built by the same
  // function), so the ratio is what Baton's code adds around it.
  const floor = async (round: number): Promise<void> => {
    const { transact } = ingestRequests(BENCH_TABLE, `raw-${round % CONVERSATIONS}`, Date.now());
    await raw.send(new TransactWriteCommand(transact));
  };

  for (let round = 0; round < WARM_UP; round += 1) {
    await baton(round);
    await floor(round);
  }
  dynamoRequests = 0;
  const batonMs: number[] = [];
  const floorMs: number[] = [];
  const timed = async (run: (round: number) => Promise<void>, round: number): Promise<number> => {
    const started = performance.now();
    await run(round);
    return performance.now() - started;
  };
  for (let round = WARM_UP; round < WARM_UP + ROUNDS; round += 1) {
    // Each goes first every other round, so what one leaves behind (GC, DynamoDB Local's work) falls
    // on both alike.
    if (round % 2 === 0) {
      batonMs.push(await timed(baton, round));
      floorMs.push(await timed(floor, round));
    } else {
      floorMs.push(await timed(floor, round));
      batonMs.push(await timed(baton, round));
    }
  }
  const perMessage = dynamoRequests / ROUNDS;
  dynamo.raw.destroy();
  raw.destroy();
  return [
    {
      figure: 'warm hot path: user message → inbox (ingest)',
      unit: 'ms',
      baton: median(batonMs),
      baseline: median(floorMs),
      target: '≤ 1.15 × baseline',
      met: median(batonMs) <= 1.15 * median(floorMs),
      note: `median of ${ROUNDS} rounds after ${WARM_UP} warm-up, taking turns at going first; baseline: the identical transaction (appendTransaction) and PutEvents entry, sent by a bare SDK client`,
    },
    {
      figure: 'DynamoDB requests per inbound message (warm ingest handler)',
      unit: 'count',
      baton: perMessage,
      target: '≤ 2',
      met: perMessage <= 2,
      note: 'counted by a middleware on the handler runtime’s DynamoDB client',
    },
  ];
}

const lambdaContext = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:0:function:ingest',
  memoryLimitInMB: '1024',
  awsRequestId: 'bench',
  logGroupName: 'bench',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

function webEvent(body: string, signed: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /v1/{tenant}/web',
    rawPath: '/v1/demo/web',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...signed },
    pathParameters: { tenant: 'demo' },
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '0',
      apiId: 'bench',
      domainName: 'bench',
      domainPrefix: 'bench',
      http: {
        method: 'POST',
        path: '/v1/demo/web',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: 'bench',
      routeKey: 'POST /v1/{tenant}/web',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  };
}
