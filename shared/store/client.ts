import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SDK_REQUEST_HANDLER } from '../runtime/sdk-options';

export interface DynamoOptions {
  region?: string | undefined;
  /** DynamoDB Local's address; absent in AWS. */
  endpoint?: string | undefined;
  /** In AWS, a tenant's assumed credentials; absent, the function's own. */
  credentials?: DynamoDBClientConfig['credentials'];
  /** Tests shorten it to see a hanging endpoint fail quickly. */
  requestTimeoutMs?: number | undefined;
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
      : options.credentials
        ? { credentials: options.credentials }
        : {}),
    maxAttempts: 4,
    requestHandler: {
      ...SDK_REQUEST_HANDLER,
      requestTimeout: options.requestTimeoutMs ?? SDK_REQUEST_HANDLER.requestTimeout,
    },
  });
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { raw, doc };
}
