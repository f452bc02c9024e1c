/** `npm start`: the local stack on 127.0.0.1:$PORT (default 3000); `-- --persist` keeps data under .baton/. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useRefKey } from '../../shared/log/logger';
import { PROJECT_ROOT, startLocalStack } from './stack';

/**
 * The local reference key (AWS: the secret the stack generates): BATON_REF_KEY, else one kept with
 * persisted data (its conversations keep their references), else a new one for this run.
 */
function localRefKey(persist: boolean): string {
  if (process.env.BATON_REF_KEY) return process.env.BATON_REF_KEY;
  const fresh = () => randomBytes(32).toString('hex');
  if (!persist) return fresh();
  const file = path.join(PROJECT_ROOT, '.baton', 'ref-key');
  if (!existsSync(file)) writeFileSync(file, fresh(), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/**
 * The operator API's bearer token (AWS: IAM): BATON_OPERATOR_TOKEN, else a new one for this run.
 * Written to .baton/operator-token, where the `baton` CLI finds it.
 */
function localOperatorToken(): string {
  const token = process.env.BATON_OPERATOR_TOKEN ?? randomBytes(24).toString('base64url');
  const dir = path.join(PROJECT_ROOT, '.baton');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'operator-token'), token, { mode: 0o600 });
  return token;
}

// Node 20 works; the SDK's notice about Node 22 is noise in a developer's terminal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const persist = process.argv.includes('--persist');
  const port = Number.parseInt(process.env.PORT ?? '3000', 10);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const persistDir = persist ? path.join(PROJECT_ROOT, '.baton', 'dynamodb') : undefined;
  if (persistDir) mkdirSync(persistDir, { recursive: true });
  useRefKey(localRefKey(persist));
  const operatorToken = localOperatorToken();
  const stack = await startLocalStack({
    port,
    operatorTokens: { [operatorToken]: '*' },
    ...(persistDir ? { persistDir } : {}),
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping the local stack\n`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.stdout.write(
    `Baton local stack ready on ${stack.url}\nOperator API token in .baton/operator-token (Authorization: Bearer …)\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Baton local stack failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
