/**
 * What a measured Lambda needs around it, on 127.0.0.1 only: DynamoDB Local with Baton's table, a
 * fake EventBridge, a fake STS (a function takes on a tenant's role before its first work for it), and the environment variables a deployed function gets (the SDK reads the
 * endpoints from AWS_ENDPOINT_URL_*; the tenants are the local stack's, secrets inline).
 */
import { startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { localTenants } from '../infra/local/tenants';
import { createDynamo } from '../shared/store/client';
import { createTable } from '../shared/store/table';
import { startFakeSts } from '../test/support/fake-sts';
import { startFakeEventBridge } from './fake-eventbridge';

export const BENCH_TABLE = 'baton-bench';
/** Inline, as the reference key is: a deployed function reads it from Secrets Manager when first needed. */
export const BENCH_MEDIA_LINK_KEY = 'bench-media-link-key-0123456789abcdef';

export interface BenchEnvironment {
  /** The variables a deployed function has, with the endpoints of this machine. */
  variables: Record<string, string>;
  dynamoEndpoint: string;
  tenantsJson: string;
  stop(): Promise<void>;
}

export async function startBenchEnvironment(): Promise<BenchEnvironment> {
  const dynamoLocal = await startDynamoDbLocal({});
  const eventBridge = await startFakeEventBridge();
  const sts = await startFakeSts();
  const { raw } = createDynamo({ endpoint: dynamoLocal.endpoint });
  await createTable(raw, BENCH_TABLE);
  raw.destroy();
  return {
    dynamoEndpoint: dynamoLocal.endpoint,
    // The outside systems are never called by the measured invocations; the URLs only have to parse.
    tenantsJson: JSON.stringify(localTenants('http://127.0.0.1:9')),
    variables: {
      TABLE_NAME: BENCH_TABLE,
      EVENT_BUS_NAME: 'bench',
      PUBLIC_API_URL: 'http://127.0.0.1:9',
      BATON_TENANTS_FILE: 'tenants.json',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamoLocal.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url,
      AWS_ENDPOINT_URL_STS: sts.url,
      BATON_TENANT_ROLE_ARN: 'arn:aws:iam::000000000000:role/bench-tenant',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: 'warn',
      // Inline, as the secrets are: a deployed function reads it from Secrets Manager at init.
      BATON_REF_KEY: 'bench-reference-key-0123456789abcdef',
      BATON_MEDIA_LINK_KEY: BENCH_MEDIA_LINK_KEY,
      BATON_MEDIA_URL: 'http://127.0.0.1:9',
    },
    async stop() {
      await eventBridge.stop();
      await sts.stop();
      await dynamoLocal.stop();
    },
  };
}
