/** The local invoker fails an invocation that outlives its function's timeout, as Lambda does. */
import * as path from 'node:path';
import { LambdaTimeoutError, loadFunctions } from '../../infra/local/lambda-invoker';
import type { FunctionDeclaration } from '../../infra/topology';
import { freshTable } from '../support/dynamo';
import { buildRuntime } from './use-cases/runtime';

const slow: FunctionDeclaration = {
  name: 'slow',
  dir: 'test/support/slow-function',
  description: 'waits',
  trigger: { kind: 'schedule', everyMinutes: 1 },
  access: { table: 'none', expiryIndex: false, publish: false, mediaLinks: false, secrets: [] },
  timeoutSeconds: 0.3,
};

test('an invocation past the timeout fails with LambdaTimeoutError; one within it answers', async () => {
  const { dynamo, tableName } = await freshTable('invoker');
  const rig = buildRuntime({ dynamo, tableName, outsideUrl: 'http://127.0.0.1:1' });
  const functions = await loadFunctions(path.resolve(__dirname, '../..'), () => rig.runtime, [slow]);
  const invoke = functions.get('slow')?.invoke;
  if (!invoke) throw new Error('slow function not loaded');

  await expect(invoke({ waitMs: 10 })).resolves.toBe('done');
  const started = Date.now();
  await expect(invoke({ waitMs: 2_000 })).rejects.toBeInstanceOf(LambdaTimeoutError);
  expect(Date.now() - started).toBeLessThan(1_500);
  dynamo.raw.destroy();
});
