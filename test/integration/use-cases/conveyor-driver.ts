/**
 * The conveyor for use-case tests: the real stream function (functions/conveyor/handler) on the
 * rig's runtime, fed by the local stream poller from the rig's table, as the local stack feeds it.
 * `convey()` waits until every record written so far, and every record those wrote, is handled.
 */
import { createHandler } from '../../../functions/conveyor/handler';
import { LocalStreamPoller, type OnFailureRecord } from '../../../infra/local/stream-poller';
import { streamConsumer } from '../../../infra/topology';
import { dynamoEndpoint } from '../../support/dynamo';
import type { TestRig } from './runtime';

export interface ConveyorDriver {
  convey(): Promise<void>;
  readonly failures: readonly OnFailureRecord[];
  stop(): Promise<void>;
}

export async function startConveyor(rig: TestRig): Promise<ConveyorDriver> {
  const consumer = streamConsumer();
  if (!consumer) throw new Error('the topology declares no stream function');
  const handler = createHandler(rig.runtime);
  const poller = new LocalStreamPoller({
    endpoint: dynamoEndpoint(),
    tableName: rig.tableName,
    functionName: consumer.name,
    trigger: consumer.trigger,
    invoke: (event) => handler(event),
    logger: rig.runtime.logger,
    startAt: 'LATEST',
    retryDelayMs: 20,
  });
  await poller.start();
  return {
    async convey() {
      await poller.idle();
    },
    failures: poller.failures,
    stop: () => poller.stop(),
  };
}
