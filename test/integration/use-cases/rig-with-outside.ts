/** A use-case rig (fresh table, runtime) with the outside systems on 127.0.0.1: start, reset, stop. */
import { freshTable } from '../../support/dynamo';
import { type OutsideServer, startOutsideServer } from './outside-server';
import { buildRuntime, type TestRig } from './runtime';

export interface RigWithOutside {
  rig: TestRig;
  outside: OutsideServer;
}

export async function startRigWithOutside(tablePrefix: string): Promise<RigWithOutside> {
  const table = await freshTable(tablePrefix);
  const outside = await startOutsideServer();
  return { outside, rig: buildRuntime({ ...table, outsideUrl: outside.url }) };
}

export async function stopRigWithOutside({ rig, outside }: RigWithOutside): Promise<void> {
  await outside.close();
  rig.dynamo.raw.destroy();
}

export function resetRigWithOutside({ rig, outside }: RigWithOutside): void {
  outside.reset();
  rig.reset();
}
