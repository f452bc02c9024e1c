/** Test access to the run's DynamoDB Local: a fresh table per suite, clients destroyed after. */
import { randomUUID } from 'node:crypto';
import { createDynamo, type Dynamo } from '../../shared/store/client';
import { createTable } from '../../shared/store/table';

export function dynamoEndpoint(): string {
  const endpoint = process.env.BATON_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint)
    throw new Error('BATON_TEST_DYNAMODB_ENDPOINT is not set: run the tests through jest (global setup)');
  return endpoint;
}

export async function freshTable(prefix: string): Promise<{ dynamo: Dynamo; tableName: string }> {
  const dynamo = createDynamo({ endpoint: dynamoEndpoint() });
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await createTable(dynamo.raw, tableName);
  return { dynamo, tableName };
}
