/**
 * Bundles every function (and the baseline) with esbuild exactly as the CDK stack does: ESM,
 * minified, SDK included, source map beside it cut to the bundle's own files. Sizes are of the
 * `.mjs` Lambda loads.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { build } from 'esbuild';
import {
  BUNDLE_BANNER,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_SOURCES_CONTENT,
  BUNDLE_TARGET,
} from '../infra/aws/bundling';
import { keepOwnSourcesIn } from '../infra/aws/source-map';
import { FUNCTIONS } from '../infra/topology';

export interface Bundle {
  name: string;
  dir: string;
  file: string;
  bytes: number;
}

export const BASELINE = 'baseline';

export async function buildBundles(outDir: string, tenantsJson: string): Promise<Bundle[]> {
  const entries = [
    ...FUNCTIONS.map((fn) => ({ name: fn.name, entry: path.join(fn.dir, 'lambda.ts') })),
    { name: BASELINE, entry: 'bench/baseline/lambda.ts' },
  ];
  const bundles: Bundle[] = [];
  for (const { name, entry } of entries) {
    const dir = path.resolve(outDir, name);
    const file = path.join(dir, 'index.mjs');
    mkdirSync(dir, { recursive: true });
    await build({
      entryPoints: [entry],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: BUNDLE_TARGET,
      mainFields: BUNDLE_MAIN_FIELDS,
      minify: true,
      sourcemap: true,
      sourcesContent: BUNDLE_SOURCES_CONTENT,
      banner: { js: BUNDLE_BANNER },
      logLevel: 'error',
    });
    keepOwnSourcesIn(`${file}.map`);
    writeFileSync(path.join(dir, 'tenants.json'), tenantsJson);
    bundles.push({ name, dir, file, bytes: statSync(file).size });
  }
  return bundles;
}
