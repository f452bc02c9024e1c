/**
 * Loads each declared function's real handler (`<dir>/handler.ts`, `createHandler(runtime)`) and
 * invokes it as Lambda would: one event, a context with a deadline.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Runtime } from '../../shared/runtime/runtime';
import { FUNCTIONS, type FunctionDeclaration } from '../topology';

export type Invoke = (event: unknown) => Promise<unknown>;

export interface LoadedFunction {
  declaration: FunctionDeclaration;
  invoke: Invoke;
}

export async function loadFunctions(
  projectRoot: string,
  runtimeFor: (declaration: FunctionDeclaration) => Runtime,
): Promise<Map<string, LoadedFunction>> {
  const loaded = new Map<string, LoadedFunction>();
  for (const declaration of FUNCTIONS) {
    const module: unknown = await import(path.join(projectRoot, declaration.dir, 'handler.ts'));
    const createHandler: unknown =
      typeof module === 'object' && module ? Reflect.get(module, 'createHandler') : undefined;
    if (typeof createHandler !== 'function') {
      throw new Error(`${declaration.dir}/handler.ts does not export createHandler(runtime)`);
    }
    const handler: unknown = Reflect.apply(createHandler, undefined, [runtimeFor(declaration)]);
    if (typeof handler !== 'function')
      throw new Error(`${declaration.name}: createHandler did not return a handler`);
    const invoke: Invoke = async (event) => {
      const deadline = Date.now() + declaration.timeoutSeconds * 1000;
      const context = {
        functionName: `baton-${declaration.name}`,
        functionVersion: '$LATEST',
        awsRequestId: randomUUID(),
        memoryLimitInMB: String(declaration.memoryMb ?? 512),
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      const result: unknown = await Reflect.apply(handler, undefined, [event, context]);
      return result;
    };
    loaded.set(declaration.name, { declaration, invoke });
  }
  return loaded;
}
