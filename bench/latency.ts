/**
 * A user message's way through the local stack, from the webhook's 200 to the bot's call, at 60
 * messages a second offered open loop (each sent at its planned time), for the conveyor of this
 * checkout and for an earlier design (`BENCH_LATENCY_BASE`, a commit: by default the last one with
 * the drain), in alternating runs: each stack is `npm start` in a process of its own, the base in a
 * git worktree of this repository sharing its node_modules.
 *
 * The bot's call time is the simulator's log entry (`at`), on the same machine clock as the answer.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as z from 'zod';
import { signatureHeaders } from '../shared/http/signature';
import { type BenchRow, median } from './report';

const RATE = 60;
const SECONDS = 8;
const WARM_UP_SECONDS = 4;
const CONVERSATIONS = 30;
const ROUNDS = 4;
/** The last commit whose conveyor was the drain (MessagesWaiting), before the stream's. */
const DEFAULT_BASE = 'b9e8e45';
const WEB_SECRET = 'demo2-web-secret';

const botLogSchema = z.array(
  z.object({ at: z.string(), body: z.object({ messageId: z.string() }).partial().nullable().catch(null) }),
);

interface Sample {
  p50: number;
  p99: number;
  reached: number;
  sent: number;
}

export async function measureLatency(): Promise<BenchRow[]> {
  const base = process.env.BENCH_LATENCY_BASE ?? DEFAULT_BASE;
  const baseDir = prepareBase(base);
  const here = path.resolve('.');
  const ours: Sample[] = [];
  const theirs: Sample[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    // Each design goes first every other round.
    const order = round % 2 === 0 ? [here, baseDir] : [baseDir, here];
    for (const dir of order) {
      const sample = await withStack(dir, 3300 + round * 2 + (dir === here ? 0 : 1), runLoad);
      (dir === here ? ours : theirs).push(sample);
    }
  }
  const p = (samples: readonly Sample[], key: 'p50' | 'p99') => median(samples.map((s) => s[key]));
  const describe = (samples: readonly Sample[]) =>
    samples.map((s) => `${s.p50.toFixed(0)}/${s.p99.toFixed(0)} ms (${s.reached}/${s.sent})`).join(', ');
  const note =
    `${ROUNDS} runs each, alternating, each stack warmed (${RATE / 2}/s for ${WARM_UP_SECONDS} s), then ` +
    `${RATE} web messages/s for ${SECONDS} s over ${CONVERSATIONS} ` +
    `demo2 conversations, webhook answered → bot called (simulator log); median of the runs; ` +
    `stream conveyor p50/p99 (bot reached/sent): ${describe(ours)}; drain at ${base}: ${describe(theirs)}`;
  return (['p50', 'p99'] as const).map((key) => ({
    figure: `message latency, webhook → bot, at ${RATE}/s (${key}), vs the drain`,
    unit: 'ms',
    baton: p(ours, key),
    baseline: p(theirs, key),
    target: 'report',
    met: ours.every((s) => s.reached === s.sent),
    note,
  }));
}

/** A worktree of `commit` outside the checkout, with this checkout's node_modules (a superset of its). */
function prepareBase(commit: string): string {
  const dir = path.join(tmpdir(), `baton-base-${commit}`);
  if (!existsSync(dir))
    execFileSync('git', ['worktree', 'add', '--detach', dir, commit], { stdio: 'ignore' });
  const modules = path.join(dir, 'node_modules');
  if (!existsSync(modules)) symlinkSync(path.resolve('node_modules'), modules, 'dir');
  return dir;
}

async function withStack<T>(dir: string, port: number, work: (url: string) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await ready(child);
    return await work(url);
  } finally {
    await stop(child);
  }
}

function ready(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error('the local stack did not start in 60 s')), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const found = /ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`the local stack exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

/** Warms the stack (its JIT, DynamoDB Local's) at half the rate, lets it drain, then measures. */
async function runLoad(url: string): Promise<Sample> {
  await paced(url, `warm-${Date.now()}`, RATE / 2, WARM_UP_SECONDS);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const runId = `lat-${Date.now()}`;
  const { answered, total } = await paced(url, runId, RATE, SECONDS);
  // Let the last messages reach the bot.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const log = botLogSchema.parse(await (await fetch(`${url}/sim/log?system=bot`)).json());
  const latencies: number[] = [];
  for (const entry of log) {
    const id = entry.body?.messageId;
    const at = id === undefined ? undefined : answered.get(id);
    if (at !== undefined) latencies.push(Math.max(0, Date.parse(entry.at) - at));
  }
  latencies.sort((a, b) => a - b);
  const pick = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { p50: pick(0.5), p99: pick(0.99), reached: latencies.length, sent: total };
}

/** Messages at `rate` per second, each sent at its planned time; when each was answered 200. */
async function paced(url: string, runId: string, rate: number, seconds: number) {
  const answered = new Map<string, number>();
  const started = performance.now() + 200;
  const total = Math.round(rate * seconds);
  const sends: Array<Promise<void>> = [];
  for (let i = 0; i < total; i += 1) {
    const plannedAt = started + (i * 1000) / rate;
    const wait = plannedAt - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const messageId = `${runId}-${i}`;
    const body = JSON.stringify({
      conversationId: `${runId}-c${i % CONVERSATIONS}`,
      messageId,
      text: 'hello, where is my order?',
    });
    sends.push(
      fetch(`${url}/v1/demo2/web`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signatureHeaders(WEB_SECRET, body) },
        body,
        signal: AbortSignal.timeout(10_000),
      }).then(async (response) => {
        await response.text();
        if (response.status === 200) answered.set(messageId, Date.now());
      }),
    );
  }
  await Promise.allSettled(sends);
  return { answered, total };
}
