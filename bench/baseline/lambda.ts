/**
 * The floor Baton is measured against: a Lambda that only creates the AWS SDK clients Baton creates
 * (DynamoDB with its document client, EventBridge, Secrets Manager) and, when invoked, makes the
 * SDK calls the measured Baton invocation makes and nothing else. No validation, no logging.
 */

import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const events = new EventBridgeClient({});
export const secrets = new SecretsManagerClient({});

const TableName = process.env.TABLE_NAME ?? 'bench';

/**
 * `floor` names the calls to make: those of an ingest webhook, the relay's take of an inbox head
 * (a conditional update, refused when there is none), a consumer's first read, or the sweep.
 */
export async function handler(event: { floor?: string; id?: string }): Promise<{ statusCode: number }> {
  const id = event.id ?? 'bench';
  if (event.floor === 'ingest') {
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { pk: `floor#${id}`, sk: 'IDEM', status: 'completed' } } },
          {
            Update: {
              TableName,
              Key: { pk: 'floor#conversation', sk: 'STATE' },
              UpdateExpression: 'SET inbox = list_append(if_not_exists(inbox, :empty), :entry)',
              ExpressionAttributeValues: { ':empty': [], ':entry': [{ id }] },
            },
          },
        ],
      }),
    );
    await events.send(
      new PutEventsCommand({
        Entries: [{ Source: 'baton', DetailType: 'MessagesWaiting', Detail: '{}', EventBusName: 'bench' }],
      }),
    );
  } else if (event.floor === 'take') {
    try {
      await doc.send(
        new UpdateCommand({
          TableName,
          Key: { pk: `floor#${id}`, sk: 'STATE' },
          UpdateExpression: 'SET inbox[0].takenUntil = :until',
          ConditionExpression: 'size(inbox) > :zero',
          ExpressionAttributeValues: { ':until': Date.now() + 65_000, ':zero': 0 },
          ReturnValues: 'ALL_NEW',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  } else if (event.floor === 'sweep') {
    for (let shard = 0; shard < 4; shard += 1) {
      await doc.send(
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
