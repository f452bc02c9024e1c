/** The table's definition, shared by the CDK stack's expectations and the local/test table creation. */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { EXPIRY_INDEX, PHASE_INDEX, PHASE_INDEX_PROJECTION, TTL_ATTRIBUTE } from './keys';

/**
 * Creates the table with its stream (old and new images: the conveyor compares them); false when
 * it was there already (a persisted local run).
 */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'sweepShard', AttributeType: 'S' },
          { AttributeName: 'lockExpiresAt', AttributeType: 'N' },
          { AttributeName: 'phaseKey', AttributeType: 'S' },
          { AttributeName: 'updatedAt', AttributeType: 'N' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        GlobalSecondaryIndexes: [
          {
            IndexName: EXPIRY_INDEX,
            KeySchema: [
              { AttributeName: 'sweepShard', KeyType: 'HASH' },
              { AttributeName: 'lockExpiresAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['tenantId', 'conversationId'] },
          },
          PHASE_INDEX_DEFINITION,
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    // Kept from a persisted local run, perhaps from before the phase index.
    await addPhaseIndex(client, tableName);
    return false;
  }
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    }),
  );
  return true;
}

/** An operator's listing: a tenant's conversations in one phase, the most recently written first. */
const PHASE_INDEX_DEFINITION: GlobalSecondaryIndex = {
  IndexName: PHASE_INDEX,
  KeySchema: [
    { AttributeName: 'phaseKey', KeyType: 'HASH' },
    { AttributeName: 'updatedAt', KeyType: 'RANGE' },
  ],
  Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: PHASE_INDEX_PROJECTION },
};

async function addPhaseIndex(client: DynamoDBClient, tableName: string): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  if (Table?.GlobalSecondaryIndexes?.some((index) => index.IndexName === PHASE_INDEX)) return;
  await client.send(
    new UpdateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [
        { AttributeName: 'phaseKey', AttributeType: 'S' },
        { AttributeName: 'updatedAt', AttributeType: 'N' },
      ],
      GlobalSecondaryIndexUpdates: [{ Create: PHASE_INDEX_DEFINITION }],
    }),
  );
}
