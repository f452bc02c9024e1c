/**
 * Loads each declared function's real handler (`<dir>/handler.ts`, `createHandler(runtime)`) and
 * invokes it as Lambda would: one event, a context with a deadline, a failure past the timeout.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { ResponseSink } from '../../shared/http/response-sink';
import type { Runtime } from '../../shared/runtime/runtime';
import type { Scoped } from '../../shared/runtime/tenant-scope';
import { FUNCTIONS, type FunctionDeclaration } from '../topology';

/** `sink`: a streamed response (a function URL's RESPONSE_STREAM), passed as Lambda passes it. */
export type Invoke = (event: unknown, sink?: ResponseSink) => Promise<unknown>;

export class LambdaTimeoutError extends Error {
  override readonly name = 'LambdaTimeoutError';

  constructor(functionName: string, seconds: number) {
    super(`${functionName} timed out after ${seconds} s`);
  }
}

export interface LoadedFunction {
  declaration: FunctionDeclaration;
  invoke: Invoke;
}

export async function loadFunctions(
  projectRoot: string,
  runtimeFor: (declaration: FunctionDeclaration) => Scoped<Runtime>,
  declarations: readonly FunctionDeclaration[] = FUNCTIONS,
): Promise<Map<string, LoadedFunction>> {
  const loaded = new Map<string, LoadedFunction>();
  for (const declaration of declarations) {
    const module: unknown = await import(path.join(projectRoot, declaration.dir, 'handler.ts'));
    const createHandler: unknown =
      typeof module === 'object' && module ? Reflect.get(module, 'createHandler') : undefined;
    if (typeof createHandler !== 'function') {
      throw new Error(`${declaration.dir}/handler.ts does not export createHandler(runtime)`);
    }
    const handler: unknown = Reflect.apply(createHandler, undefined, [runtimeFor(declaration)]);
    if (typeof handler !== 'function')
      throw new Error(`${declaration.name}: createHandler did not return a handler`);
    const invoke: Invoke = async (event, sink) => {
      const deadline = Date.now() + declaration.timeoutSeconds * 1000;
      const context = {
        functionName: `baton-${declaration.name}`,
        functionVersion: '$LATEST',
        awsRequestId: randomUUID(),
        memoryLimitInMB: String(declaration.memoryMb ?? 512),
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      // As in Lambda, an invocation that outlives its timeout has failed (and is retried); the
      // work itself cannot be stopped here, which Lambda would do by freezing the container.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new LambdaTimeoutError(declaration.name, declaration.timeoutSeconds)),
          declaration.timeoutSeconds * 1000,
        );
      });
      try {
        const result: unknown = await Promise.race([
          Reflect.apply(handler, undefined, sink ? [event, sink, context] : [event, context]),
          timedOut,
        ]);
        return result;
      } finally {
        clearTimeout(timer);
      }
    };
    loaded.set(declaration.name, { declaration, invoke });
  }
  return loaded;
}
