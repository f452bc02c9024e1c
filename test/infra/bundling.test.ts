/**
 * One synth with real esbuild bundling (stack.test.ts skips it): every function's entry bundles into
 * an asset of its own holding the ESM bundle, its source map and the validated tenants; and one
 * bundle, loaded by Node as the Lambda runtime would, answers a request.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { BatonStack } from '../../infra/aws/baton-stack';
import { FUNCTIONS } from '../../infra/topology';
import { parseTenants } from '../../shared/config/tenants';
import { literalSecretsIn, projectRoot, readExampleTenants } from './tenants-fixture';

const outdir = mkdtempSync(path.join(os.tmpdir(), 'baton-cdk-'));

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

const templateSchema = z.object({
  Resources: z.record(
    z.string(),
    z.object({ Type: z.string(), Properties: z.record(z.string(), z.unknown()).default({}) }),
  ),
});
const codeSchema = z.object({ Code: z.object({ S3Key: z.string() }) });
const resultsSchema = z.array(z.object({ statusCode: z.number(), body: z.string().optional() }).loose());

/** An API Gateway HTTP API (payload 2.0) request, as the ingest function receives it. */
function httpEvent(routeKey: string, tenant: string, query?: Record<string, string>): APIGatewayProxyEventV2 {
  const [method = 'POST', template = '/'] = routeKey.split(' ');
  const rawPath = template.replace('{tenant}', tenant);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    ...(query ? { queryStringParameters: query } : {}),
    headers: { 'content-type': 'application/json' },
    body: '{}',
    isBase64Encoded: false,
    pathParameters: { tenant },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'x.example',
      domainPrefix: 'x',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'jest' },
      requestId: 'request-1',
      routeKey,
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 1767225600000,
    },
  };
}

/**
 * Runs in a fresh Node, with nothing but the Lambda environment: imports the bundle (argv[1]) and
 * invokes its handler with each event (argv[2]), printing the answers on a line of their own.
 */
const invokeScript = `
const { pathToFileURL } = await import('node:url');
const [bundle, events] = process.argv.slice(-2);
const { handler } = await import(pathToFileURL(bundle).href);
const context = {
  awsRequestId: 'request-1',
  functionName: 'ingest',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10000,
};
const results = [];
for (const event of JSON.parse(events)) results.push(await handler(event, context));
process.stdout.write('\\nRESULTS ' + JSON.stringify(results) + '\\n');
`;

/** The one synth of this suite: asset directory per function name. */
const assetDirs = new Map<string, string>();
const tenants = readExampleTenants();

beforeAll(() => {
  // Built-in template validation is not what this suite is about, and it keeps the jest worker alive at exit.
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stack = new BatonStack(app, 'Test', { tenants, projectRoot });
  const { Resources } = templateSchema.parse(Template.fromStack(stack).toJSON());
  for (const declaration of FUNCTIONS) {
    const cfn = stack.baton.functions[declaration.name]?.node.defaultChild;
    if (!(cfn instanceof CfnFunction)) throw new Error(`no CfnFunction for ${declaration.name}`);
    const resource = Resources[stack.getLogicalId(cfn)];
    if (resource?.Type !== 'AWS::Lambda::Function')
      throw new Error(`${declaration.name} is no Lambda function`);
    const key = codeSchema.parse(resource.Properties).Code.S3Key;
    if (!/^[0-9a-f]{64}\.zip$/.test(key)) throw new Error(`${declaration.name}: unexpected asset key ${key}`);
    assetDirs.set(declaration.name, path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`));
  }
}, 120_000);

function assetDirOf(name: string): string {
  const dir = assetDirs.get(name);
  if (!dir) throw new Error(`no asset for ${name}`);
  return dir;
}

/** The banner that gives the ESM bundle a `require` for CommonJS dependencies that call it. */
const createRequireBanner =
  /^import\s*\{\s*createRequire\s*\}\s*from\s*['"](node:)?module['"];\s*const require\s*=\s*createRequire\(import\.meta\.url\);/;

const sourceMapSchema = z.object({ sources: z.array(z.string()), sourcesContent: z.unknown().optional() });

test('every function bundles with esbuild into an asset of its own: an ESM bundle and its source map', () => {
  expect([...assetDirs.keys()].sort()).toEqual(FUNCTIONS.map((fn) => fn.name).sort());
  expect(new Set(assetDirs.values()).size).toBe(FUNCTIONS.length);
  for (const dir of assetDirs.values()) {
    // The map names Baton's own files for stack traces, without their text (read at every cold start).
    const map = sourceMapSchema.parse(JSON.parse(readFileSync(path.join(dir, 'index.mjs.map'), 'utf8')));
    expect(map.sources.some((source) => source.endsWith('shared/log/logger.ts'))).toBe(true);
    // Cut to Baton's own files: Node decodes every mapping at cold start.
    expect(map.sources.filter((source) => source.includes('node_modules'))).toEqual([]);
    expect(map.sourcesContent).toBeUndefined();
    expect(readFileSync(path.join(dir, 'index.mjs'), 'utf8')).toMatch(createRequireBanner);
  }
});

test('every asset carries the validated tenants as tenants.json, with secrets by reference only', () => {
  // What Baton bundles: the tenants as validated (defaults filled in), as JSON.
  const expected: unknown = JSON.parse(JSON.stringify(parseTenants(tenants)));
  for (const dir of assetDirs.values()) {
    const bundled: unknown = JSON.parse(readFileSync(path.join(dir, 'tenants.json'), 'utf8'));
    expect(bundled).toEqual(expected);
    expect(literalSecretsIn(bundled, 'tenants.json')).toEqual([]);
  }
});

test('the ingest bundle, loaded by Node as Lambda would, answers 404 for an unknown tenant and a 400 in English', () => {
  const ingestDir = assetDirOf('ingest');
  const events = [
    httpEvent('POST /v1/{tenant}/web', 'nobody'),
    // A configured tenant gets past the tenant lookup: the bundled tenants were read. The query is
    // refused before any secret is needed, so no network is involved.
    httpEvent('GET /v1/{tenant}/whatsapp', 'acme', { 'hub.mode': 'subscribe' }),
  ];
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      invokeScript,
      '--',
      path.join(ingestDir, 'index.mjs'),
      JSON.stringify(events),
    ],
    {
      cwd: os.tmpdir(),
      encoding: 'utf8',
      timeout: 30_000,
      // The Lambda environment and nothing else (no NODE_PATH, no node_modules next to the bundle).
      env: {
        TABLE_NAME: 't',
        EVENT_BUS_NAME: 'b',
        PUBLIC_API_URL: 'https://x.example',
        AWS_REGION: 'eu-west-1',
        LAMBDA_TASK_ROOT: ingestDir,
        BATON_TENANTS_FILE: 'tenants.json',
        // Inline here; in AWS the secret the stack generated, read at init.
        BATON_REF_KEY: 'bundling-test-reference-key-0123456789',
        // Taken on per tenant on first use of its items or secrets; neither request here gets that far.
        BATON_TENANT_ROLE_ARN: 'arn:aws:iam::123456789012:role/baton-ingest-tenant',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        // As in every Baton function's environment: Node 20 here would make the SDK warn.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );
  const stdout = child.stdout;
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('RESULTS '));
  if (!line)
    throw new Error(`the handler printed no results (exit ${child.status}):\n${stdout}\n${child.stderr}`);
  const [unknownTenant, knownTenant] = resultsSchema.parse(JSON.parse(line.slice('RESULTS '.length)));
  expect(unknownTenant?.statusCode).toBe(404);
  expect(knownTenant?.statusCode).toBe(400);
  // zod's built-in issue in English: the HTTP API loads the messages (zod/mini alone says "Invalid input").
  expect(knownTenant?.body).toMatch(/expected string, received undefined/);
}, 30_000);
