/**
 * One synth with real esbuild bundling (stack.test.ts skips it): every function's entry bundles, and
 * each Lambda points at a zipped asset holding the ESM bundle.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import * as z from 'zod';
import { BatonStack } from '../../infra/aws/baton-stack';
import { FUNCTIONS } from '../../infra/topology';

const projectRoot = path.resolve(__dirname, '..', '..');
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

test('every function bundles with esbuild into its own asset', () => {
  // Built-in template validation is not what this test is about, and it keeps the jest worker alive at exit.
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const tenants: unknown = JSON.parse(
    readFileSync(path.join(projectRoot, 'infra', 'aws', 'tenants.example.json'), 'utf8'),
  );
  const stack = new BatonStack(app, 'Test', { tenants, projectRoot });
  const { Resources } = templateSchema.parse(Template.fromStack(stack).toJSON());

  const keys = FUNCTIONS.map((declaration) => {
    const cfn = stack.functions[declaration.name]?.node.defaultChild;
    if (!(cfn instanceof CfnFunction)) throw new Error(`no CfnFunction for ${declaration.name}`);
    const resource = Resources[stack.getLogicalId(cfn)];
    expect(resource?.Type).toBe('AWS::Lambda::Function');
    const key = codeSchema.parse(resource?.Properties).Code.S3Key;
    expect(key).toMatch(/^[0-9a-f]{64}\.zip$/);
    // The staged asset is the esbuild output: an ESM bundle with its source map.
    const assetDir = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    expect(existsSync(path.join(assetDir, 'index.mjs'))).toBe(true);
    expect(existsSync(path.join(assetDir, 'index.mjs.map'))).toBe(true);
    return key;
  });
  expect(keys).toHaveLength(FUNCTIONS.length);
  expect(new Set(keys).size).toBe(FUNCTIONS.length);
}, 120_000);
