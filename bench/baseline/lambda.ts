/**
 * The floor Baton is measured against: a Lambda that only creates the AWS SDK clients Baton creates
 * (DynamoDB with its document client, EventBridge, Secrets Manager, STS) and, when invoked, makes the
 * SDK calls the measured Baton invocation makes and nothing else: a tenant's items are reached, as
 * Baton reaches them, with credentials from one AssumeRole. No validation, no logging.
 */

import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

const sts = new STSClient({});
let assumed: ReturnType<typeof assume> | undefined;
async function assume() {
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: process.env.BATON_TENANT_ROLE_ARN,
      RoleSessionName: 'floor.demo',
      Tags: [{ Key: 'tenant', Value: 'demo' }],
    }),
  );
  return {
    accessKeyId: Credentials?.AccessKeyId ?? '',
    secretAccessKey: Credentials?.SecretAccessKey ?? '',
    sessionToken: Credentials?.SessionToken ?? '',
    expiration: Credentials?.Expiration,
  };
}
/** A tenant's items: on assumed credentials. */
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ credentials: () => (assumed ??= assume()) }));
/** The function's own: the expiry index. */
const own = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const events = new EventBridgeClient({});
export const secrets = new SecretsManagerClient({});

const TableName = process.env.TABLE_NAME ?? 'bench';

/**
 * `floor` names the calls to make: those of an ingest webhook (the very transaction ingest would
 * send, given by the benchmark: Baton's own builders make it), the conveyor's publish of a record's
 * event (the entry given), hand-over's conditional update (refused for an unknown conversation), a
 * consumer's first read, the media function's Graph call, or the sweep.
 */
export async function handler(event: {
  floor?: string;
  id?: string;
  transact?: TransactWriteCommandInput;
  entries?: PutEventsRequestEntry[];
  botUrl?: string;
  url?: string;
}): Promise<{ statusCode: number }> {
  const id = event.id ?? 'bench';
  if (event.floor === 'ingest') {
    if (!event.transact) throw new Error('the ingest floor needs transact');
    await doc.send(new TransactWriteCommand(event.transact));
  } else if (event.floor === 'publish') {
    if (!event.entries) throw new Error('the publish floor needs entries');
    await events.send(new PutEventsCommand({ Entries: event.entries }));
    if (event.botUrl) {
      // A status event the bot does not take goes on the bus instead.
      const taken = await fetch(event.botUrl, { method: 'POST', body: '{}' }).then(
        (response) => response.ok,
        () => false,
      );
      if (!taken) await events.send(new PutEventsCommand({ Entries: event.entries }));
    }
  } else if (event.floor === 'mark') {
    try {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk: `floor#${id}`, sk: 'STATE' },
          UpdateExpression: 'SET handover.deskAskedAt = :now',
          ConditionExpression: '#phase = :handingOver',
          ExpressionAttributeNames: { '#phase': 'phase' },
          ExpressionAttributeValues: { ':now': Date.now(), ':handingOver': 'handing_over' },
          ReturnValues: 'ALL_NEW',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  } else if (event.floor === 'fetch') {
    // The media function's first outside call, refused here as it is in the benchmark.
    await fetch(event.url ?? '').catch(() => undefined);
  } else if (event.floor === 'sweep') {
    for (let shard = 0; shard < 4; shard += 1) {
      await own.send(
        new QueryCommand({
          TableName,
          IndexName: 'expiry-sweep',
          KeyConditionExpression: 'sweepShard = :shard AND lockExpiresAt <= :now',
          ExpressionAttributeValues: { ':shard': `LOCK#${shard}`, ':now': Date.now() },
        }),
      );
    }
  } else {
    await doc.send(
      new GetCommand({ TableName, Key: { pk: `floor#${id}`, sk: 'STATE' }, ConsistentRead: true }),
    );
  }
  return { statusCode: 200 };
}
