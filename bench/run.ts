/**
 * `npm run bench`: Baton against its floor, side by side in one run, as one table (stdout) and
 * one JSON file under bench/results/. Figures, not assertions: the machine is shared and noisy,
 * so read ratios measured together, never absolute numbers from different runs.
 * BENCH_ONLY=bundles,cold,hot,flow,throughput,presence,latency runs a subset; BENCH_COLD_RUNS sets the
 * sample; BENCH_LATENCY_BASE the commit whose conveyor the latency runs compare with.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useRefKey } from '../shared/log/logger';
import { BASELINE, buildBundles } from './bundles';
import { measureColdStarts } from './cold-start';
import { startBenchEnvironment } from './environment';
import { measureFlowCounts } from './flow-counts';
import { measureHotPath } from './hot-path';
import { measureLatency } from './latency';
import { measurePresence } from './presence';
import { type BenchRow, formatTable, hasTarget, ratio } from './report';
import { measureThroughput } from './throughput';

// The stacks the benchmark starts in this process name conversations with it, as Baton's processes do.
useRefKey('bench-reference-key-0123456789abcdef');

const only = new Set(
  (process.env.BENCH_ONLY ?? 'bundles,cold,hot,flow,throughput,presence,latency').split(','),
);
const WEB_SECRET = 'demo-web-secret';

async function main(): Promise<void> {
  const started = Date.now();
  const rows: BenchRow[] = [];
  const env = await startBenchEnvironment();
  try {
    const bundles = await buildBundles(path.resolve('bench/results/bundles'), env.tenantsJson);
    if (only.has('bundles')) {
      const baseline = bundles.find((bundle) => bundle.name === BASELINE)?.bytes ?? 0;
      for (const bundle of bundles.filter((b) => b.name !== BASELINE)) {
        rows.push({
          figure: `bundle: ${bundle.name}`,
          unit: 'KB',
          baton: bundle.bytes / 1024,
          baseline: baseline / 1024,
          target: '≤ baseline + 60 KB',
          met: bundle.bytes <= baseline + 60 * 1024,
          note: 'esbuild as in the CDK stack: ESM, minified, SDK bundled; the .mjs without its source map',
        });
      }
    }
    if (only.has('cold')) {
      rows.push(
        ...(await measureColdStarts(bundles, env, WEB_SECRET, Number(process.env.BENCH_COLD_RUNS ?? 20))),
      );
    }
    if (only.has('hot')) rows.push(...(await measureHotPath(env, WEB_SECRET)));
  } finally {
    await env.stop();
  }
  if (only.has('flow')) rows.push(...(await measureFlowCounts()));
  if (only.has('throughput')) rows.push(...(await measureThroughput()));
  if (only.has('presence')) rows.push(...(await measurePresence()));
  if (only.has('latency')) rows.push(...(await measureLatency()));

  const table = formatTable(rows);
  process.stdout.write(`${table}\n`);
  const dir = path.resolve('bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const result = {
    at: new Date().toISOString(),
    seconds: (Date.now() - started) / 1000,
    node: process.version,
    rows: rows.map((row) => ({ ...row, ratio: ratio(row) })),
  };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const targeted = rows.filter(hasTarget);
  const missed = targeted.filter((row) => !row.met);
  const floorToo = missed.filter((row) => row.baselineMet === false).length;
  process.stdout.write(
    `\n${missed.length} of ${targeted.length} targets missed` +
      `${floorToo ? ` (${floorToo} missed by the floor as well)` : ''}; ${file}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
