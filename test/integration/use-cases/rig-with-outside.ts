/** A use-case rig (fresh table, runtime) with the outside systems on 127.0.0.1: start, reset, stop. */
import { freshTable } from '../../support/dynamo';
import { type ConveyorDriver, startConveyor } from './conveyor-driver';
import { type OutsideServer, startOutsideServer } from './outside-server';
import { buildRuntime, type TestRig } from './runtime';

export interface RigWithOutside {
  rig: TestRig;
  outside: OutsideServer;
  /** The table's stream read by the real conveyor: `conveyor.convey()` runs what was written. */
  conveyor: ConveyorDriver;
}

export async function startRigWithOutside(tablePrefix: string): Promise<RigWithOutside> {
  const table = await freshTable(tablePrefix);
  const outside = await startOutsideServer();
  const rig = buildRuntime({ ...table, outsideUrl: outside.url });
  return { outside, rig, conveyor: await startConveyor(rig) };
}

export async function stopRigWithOutside({ rig, outside, conveyor }: RigWithOutside): Promise<void> {
  await conveyor.stop();
  await outside.close();
  rig.dynamo.raw.destroy();
}

/** Between tests: what an earlier test wrote is conveyed first, then its requests, events and logs are forgotten. */
export async function resetRigWithOutside({ rig, outside, conveyor }: RigWithOutside): Promise<void> {
  await conveyor.convey();
  outside.reset();
  rig.reset();
}

/**
 * The hooks of a test file on one rig with the outside systems: started before its tests, reset
 * between them (see resetRigWithOutside), stopped after. The getters give the rig's parts once the
 * file's beforeAll ran: read them in hooks and tests, not at the top of the file.
 */
export function useRigWithOutside(tablePrefix: string): RigWithOutside {
  let started: RigWithOutside | undefined;
  const setup = (): RigWithOutside => {
    if (!started) throw new Error(`the ${tablePrefix} rig is not started: read it in a hook or a test`);
    return started;
  };
  beforeAll(async () => {
    started = await startRigWithOutside(tablePrefix);
  });
  afterAll(async () => {
    if (started) await stopRigWithOutside(started);
  });
  beforeEach(() => resetRigWithOutside(setup()));
  return {
    get rig() {
      return setup().rig;
    },
    get outside() {
      return setup().outside;
    },
    get conveyor() {
      return setup().conveyor;
    },
  };
}

/**
 * A second rig on a table of its own that no conveyor reads, at the same outside systems: the tests
 * hand its stream records to the conveyor's handler themselves. Built after `setup`'s rig, reset
 * between tests, dropped after them; read `.rig` in hooks and tests.
 */
export function useDirectRig(tablePrefix: string, setup: RigWithOutside): { readonly rig: TestRig } {
  let direct: TestRig | undefined;
  const rig = (): TestRig => {
    if (!direct) throw new Error(`the ${tablePrefix} direct rig is not built: read it in a hook or a test`);
    return direct;
  };
  beforeAll(async () => {
    direct = buildRuntime({ ...(await freshTable(`${tablePrefix}-direct`)), outsideUrl: setup.outside.url });
  });
  afterAll(() => direct?.dynamo.raw.destroy());
  beforeEach(() => rig().reset());
  return {
    get rig() {
      return rig();
    },
  };
}
