/**
 * The AWS path of tenant isolation, on real HTTP on 127.0.0.1: the ingest handler wired as its
 * lambda.ts wires it (the AWS core, per-tenant ports), against a fake STS (AssumeRole, Query
 * protocol), a fake Secrets Manager (GetSecretValue, JSON protocol) and a recording proxy in front of
 * DynamoDB Local. Every request that acts for a tenant must be signed with credentials STS issued
 * for that tenant, asked for with the tenant's tag and a session policy naming its secrets alone.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { STSClient } from '@aws-sdk/client-sts';
import * as z from 'zod';
import { createHandler } from '../../functions/ingest/handler';
import { partitionKeysOf } from '../../infra/local/leading-keys-guard';
import { readEnvironment } from '../../shared/config/environment';
import { signatureHeaders } from '../../shared/http/signature';
import { createAwsCore, scopedPorts } from '../../shared/runtime/aws-core';
import { TenantCredentialsError, tenantCredentials } from '../../shared/runtime/tenant-credentials';
import { DynamoAnswerPushes } from '../../shared/store/answer-pushes';
import { DynamoInboxStore } from '../../shared/store/inbox-repository';
import { freshTable } from '../support/dynamo';
import { type FakeSts, isKeyOfTenant, signingKeyOf, startFakeSts } from '../support/fake-sts';
import { httpEvent } from '../support/http-event';
import { lambdaContext } from '../support/lambda-context';

const OWN_KEY = 'AKIAINGESTOWNKEY0000';
/** The process already uses the jest setup's key (test/support/ref-key.ts); this one is only parsed. */
const REF_KEY = 'tenant-credentials-reference-key-0123';
const PREFIX = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:';
const ROLE = 'arn:aws:iam::123456789012:role/baton-ingest-tenant';
const TENANTS = ['alpha', 'beta', 'gamma'];
const secretValue = (tenant: string, name: string) => `${tenant}-${name}-value`;

interface SignedRequest {
  signedBy: string;
  /** DynamoDB: the operation; Secrets Manager: the secret id asked for. */
  what: string;
  partitionKeys: Array<string | undefined>;
}

const servers: Server[] = [];
let sts: FakeSts;
const dynamoRequests: SignedRequest[] = [];
const secretRequests: SignedRequest[] = [];
let handler: ReturnType<typeof createHandler>;
const saved = { ...process.env };

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const bodyOf = (request: import('node:http').IncomingMessage): Promise<Buffer> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
  });

/** Secrets Manager's GetSecretValue (JSON 1.1): `<tenant>/<name>` holds `<tenant>-<name>-value`. */
async function startFakeSecretsManager(): Promise<string> {
  return listen(
    createServer(async (request, response) => {
      const { SecretId } = z
        .object({ SecretId: z.string() })
        .parse(JSON.parse((await bodyOf(request)).toString()));
      secretRequests.push({
        signedBy: signingKeyOf(request.headers.authorization),
        what: SecretId,
        partitionKeys: [],
      });
      const [tenant = '', name = ''] = SecretId.replace(PREFIX, '').split('/');
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(
        JSON.stringify({
          ARN: `${PREFIX}${SecretId}-AbCdEf`,
          Name: SecretId,
          SecretString: secretValue(tenant, name),
        }),
      );
    }),
  );
}

/** Forwards to DynamoDB Local (which checks no signature), noting who signed what for which keys. */
async function startRecordingProxy(target: string): Promise<string> {
  const to = new URL(target);
  return listen(
    createServer(async (request, response) => {
      const body = await bodyOf(request);
      const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      dynamoRequests.push({
        signedBy: signingKeyOf(request.headers.authorization),
        what: operation,
        partitionKeys: partitionKeysOf(`${operation}Command`, JSON.parse(body.toString() || '{}')) ?? [],
      });
      const forwarded = httpRequest(
        {
          host: to.hostname,
          port: to.port,
          method: request.method,
          path: request.url,
          headers: request.headers,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(response);
        },
      );
      forwarded.end(body);
    }),
  );
}

beforeAll(async () => {
  const { dynamo, tableName } = await freshTable('tenant-credentials');
  dynamo.raw.destroy();
  sts = await startFakeSts();
  const secretsUrl = await startFakeSecretsManager();
  const dynamoUrl = await startRecordingProxy(process.env.BATON_TEST_DYNAMODB_ENDPOINT ?? '');
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: OWN_KEY,
    AWS_SECRET_ACCESS_KEY: 'own-secret',
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsUrl,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoUrl,
  });
  const tenants = TENANTS.map((id) => ({
    id,
    bot: { url: `https://bot.example.com/${id}`, signingSecret: { secretId: `${id}/bot` } },
    web: { signingSecret: { secretId: `${id}/web` }, deliveryUrl: `https://web.example.com/${id}` },
    agentApiToken: { secretId: `${id}/agents` },
    desk: { type: 'webhook', url: 'https://desk.example.com', signingSecret: { secretId: `${id}/desk` } },
    presence: { type: 'webhook', url: 'https://desk.example.com/presence' },
  }));
  const env = readEnvironment({
    ...process.env,
    TABLE_NAME: tableName,
    EVENT_BUS_NAME: 'bus',
    PUBLIC_API_URL: 'https://api.example.com',
    BATON_TENANTS: JSON.stringify(tenants),
    BATON_REF_KEY: REF_KEY,
    BATON_TENANT_ROLE_ARN: ROLE,
    // ingest's paths (infra/topology.ts), the ones this test's tenants configure.
    BATON_SECRET_PATHS:
      'whatsapp.appSecret,whatsapp.verifyToken,web.signingSecret,bot.signingSecret,router.productToken',
    BATON_SECRET_ARN_PREFIX: PREFIX,
  });
  // As functions/ingest/lambda.ts builds it.
  const core = createAwsCore('ingest', env);
  handler = createHandler(
    scopedPorts(core, {}, (tenant) => ({
      inbox: new DynamoInboxStore(tenant.doc, core.env.tableName, tenant.conversations),
      answerPushes: new DynamoAnswerPushes(tenant.doc, core.env.tableName, tenant.conversations),
    })),
  );
});

afterAll(async () => {
  process.env = saved;
  await sts.stop();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function webMessage(tenant: string): Promise<number | undefined> {
  const body = JSON.stringify({ conversationId: `c-${randomUUID()}`, messageId: randomUUID(), text: 'hi' });
  const result = await handler(
    httpEvent('POST /v1/{tenant}/web', {
      pathParameters: { tenant },
      body,
      headers: signatureHeaders(secretValue(tenant, 'web'), body),
    }),
    lambdaContext('ingest'),
  );
  return typeof result === 'object' ? result.statusCode : undefined;
}

const since = <T>(list: T[], from: number) => list.slice(from);

test("each tenant's secrets and items are reached with credentials issued for that tenant alone", async () => {
  expect(await webMessage('alpha')).toBe(200);
  expect(await webMessage('beta')).toBe(200);

  // One session per tenant, asked for by the function with its own credentials.
  expect(
    sts.calls.map(({ tags, roleArn, sessionName, signedBy, durationSeconds }) => ({
      tags,
      roleArn,
      sessionName,
      signedBy,
      durationSeconds,
    })),
  ).toEqual([
    {
      tags: { tenant: 'alpha' },
      roleArn: ROLE,
      sessionName: 'ingest.alpha',
      signedBy: OWN_KEY,
      durationSeconds: 3600,
    },
    {
      tags: { tenant: 'beta' },
      roleArn: ROLE,
      sessionName: 'ingest.beta',
      signedBy: OWN_KEY,
      durationSeconds: 3600,
    },
  ]);
  // Its session policy names that tenant's secrets at ingest's paths, and no other tenant's.
  expect(sts.calls[0]?.policy).toMatchObject({
    Statement: [
      { Effect: 'Allow', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: [`${PREFIX}alpha/bot-??????`, `${PREFIX}alpha/web-??????`],
      },
    ],
  });

  // Each secret read and each table request, signed by the credentials of the tenant it belongs to.
  expect(secretRequests.map(({ what, signedBy }) => [what, signedBy.slice(0, 9)])).toEqual([
    ['alpha/web', 'ASIAALPHA'],
    ['beta/web', 'ASIABETA0'],
  ]);
  expect(dynamoRequests.length).toBeGreaterThanOrEqual(2);
  for (const request of dynamoRequests) {
    const tenant = request.partitionKeys[0]?.split('#')[1] ?? '';
    expect(request.partitionKeys.length).toBeGreaterThan(0);
    expect(request.partitionKeys.every((pk) => pk?.startsWith(`T#${tenant}#`))).toBe(true);
    expect({ tenant, signedByTheTenant: isKeyOfTenant(request.signedBy, tenant) }).toEqual({
      tenant,
      signedByTheTenant: true,
    });
  }
  expect(new Set(dynamoRequests.map((request) => request.partitionKeys[0]?.split('#')[1]))).toEqual(
    new Set(['alpha', 'beta']),
  );
});

test('a warm container asks STS once per tenant: its credentials and secrets are kept', async () => {
  const calls = sts.calls.length;
  const secretsRead = secretRequests.length;
  expect(await webMessage('alpha')).toBe(200);
  expect(await webMessage('beta')).toBe(200);
  expect(sts.calls.length).toBe(calls);
  expect(secretRequests.length).toBe(secretsRead);
});

test('STS refusing fails the request and writes nothing; the next request asks again and goes through', async () => {
  const before = dynamoRequests.length;
  sts.failNext(1, 403, 'AccessDenied');
  // The secret read needs the tenant's credentials: no credentials, no answer but an error.
  expect(await webMessage('gamma')).toBe(500);
  expect(since(dynamoRequests, before)).toEqual([]);

  expect(await webMessage('gamma')).toBe(200);
  expect(sts.calls.at(-1)?.tags).toEqual({ tenant: 'gamma' });
  expect(since(dynamoRequests, before).every((request) => isKeyOfTenant(request.signedBy, 'gamma'))).toBe(
    true,
  );
});

test('credentials are kept until ten minutes before they expire, then renewed once for every caller', async () => {
  let now = Date.now();
  const credentials = tenantCredentials(
    { sts: new STSClient({ region: 'eu-west-1' }), roleArn: ROLE, functionName: 'relay' },
    'delta',
    '{"Version":"2012-10-17","Statement":[]}',
    () => now,
  );
  const calls = sts.calls.length;
  const first = await credentials();
  expect(isKeyOfTenant(first.accessKeyId, 'delta')).toBe(true);
  expect(first.sessionToken).toBe(`token-${first.accessKeyId}`);
  // STS gave an hour; 49 minutes on, the same credentials.
  now += 49 * 60_000;
  expect(await credentials()).toBe(first);
  // 51 minutes on they are about to lapse: concurrent callers share one renewal.
  now += 2 * 60_000;
  const [a, b] = await Promise.all([credentials(), credentials()]);
  expect(a).toBe(b);
  expect(a?.accessKeyId).not.toBe(first.accessKeyId);
  expect(sts.calls.slice(calls).map((call) => call.sessionName)).toEqual(['relay.delta', 'relay.delta']);
});

test('an answer without credentials is an error, not credentials of nobody', async () => {
  const empty = await listen(
    createServer((_, response) => {
      response.setHeader('content-type', 'text/xml');
      response.end(
        '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult></AssumeRoleResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></AssumeRoleResponse>',
      );
    }),
  );
  const credentials = tenantCredentials(
    { sts: new STSClient({ region: 'eu-west-1', endpoint: empty }), roleArn: ROLE, functionName: 'relay' },
    'delta',
    '{}',
  );
  await expect(credentials()).rejects.toThrow(TenantCredentialsError);
});
