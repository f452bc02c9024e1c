import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoOptions {
  region?: string | undefined;
  /** DynamoDB Local's address; absent in AWS. */
  endpoint?: string | undefined;
}

export interface Dynamo {
  raw: DynamoDBClient;
  doc: DynamoDBDocumentClient;
}

/**
 * One client per process, created at init. Requests time out (the SDK has no default) and the SDK's
 * own retries, with backoff and jitter, cover throttling and 5xx: those are safe because every
 * write Baton makes is conditional.
 */
export function createDynamo(options: DynamoOptions = {}): Dynamo {
  const raw = new DynamoDBClient({
    region: options.region ?? process.env.AWS_REGION ?? 'eu-west-1',
    ...(options.endpoint
      ? { endpoint: options.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 4,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { raw, doc };
}
