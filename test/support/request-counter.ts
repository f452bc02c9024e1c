/**
 * Counts the DynamoDB requests the local stack's functions make: a middleware on every client they
 * use (each tenant's, each function's own) sees every request. It sits at the `initialize` step, before the
 * SDK's retries, so it counts the requests the code makes, not attempts on the wire. The request
 * budget test and the benchmark's flow counts both count with it, so they count alike.
 */
import type { LocalStack } from '../../infra/local/stack';

export interface CountedRequest {
  /** The command without its `Command` suffix, e.g. `PutItem`. */
  command: string;
  /** The kind of item from its key: `C` conversation, `I` idempotency, `P` presence answer, `R` presence budget. */
  kind: string;
  /** The error's name when the request failed, e.g. a refused conditional write. */
  error?: string;
}

export class RequestCounter {
  private counting: CountedRequest[] | undefined;

  constructor(private readonly stack: LocalStack) {
    stack.onFunctionDynamo((client) =>
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const counting = this.counting;
          if (!counting) return next(args);
          const request: CountedRequest = {
            command: (context.commandName ?? 'unknown').replace(/Command$/, ''),
            kind: itemKind(args.input),
          };
          counting.push(request);
          try {
            return await next(args);
          } catch (error) {
            request.error = error instanceof Error ? error.name : 'unknown';
            throw error;
          }
        },
        { step: 'initialize', name: 'requestCounter' },
      ),
    );
  }

  /** The requests made so far by the step being counted. */
  get made(): readonly CountedRequest[] {
    return this.counting ?? [];
  }

  /**
   * The requests `step` and everything it sets off make: from a settled stack until it settles
   * again, so nothing before or after is counted with it.
   */
  async during(step: () => Promise<void>): Promise<CountedRequest[]> {
    await this.stack.settle();
    const counting: CountedRequest[] = [];
    this.counting = counting;
    try {
      await step();
      await this.stack.settle();
    } finally {
      this.counting = undefined;
    }
    return counting;
  }
}

function itemKind(input: unknown): string {
  if (typeof input !== 'object' || input === null) return '';
  const key = 'Key' in input ? input.Key : 'Item' in input ? input.Item : undefined;
  const pk = typeof key === 'object' && key !== null && 'pk' in key ? key.pk : undefined;
  // Keys are T#<tenant>#<kind>#…
  return typeof pk === 'string' ? (pk.split('#')[2] ?? '') : '';
}
