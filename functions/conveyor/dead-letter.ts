/** A user message no owner took: logged (by reference), counted, and why, in a word an operator can read. */
import { OutsideCallError } from '../../shared/clients/http';
import type { Route } from '../../shared/domain/routing';
import { errorFields, idRef } from '../../shared/log/logger';
import type { Runtime } from '../../shared/runtime/runtime';

export function reportDeadLetter(
  ports: Pick<Runtime, 'logger' | 'metrics'>,
  tenantId: string,
  messageId: string,
  failure: { route: Route; attempts: number; error: unknown },
): string {
  const { route, attempts, error } = failure;
  ports.logger.error('message dead-lettered', {
    messageRef: idRef(messageId),
    route,
    attempts,
    ...errorFields(error),
  });
  ports.metrics.put({ name: 'MessageDeadLettered', value: 1, unit: 'Count', tenant: tenantId });
  return reasonOf(error);
}

/** An error's kind, never its message (which may quote the user). */
function reasonOf(error: unknown): string {
  if (error instanceof OutsideCallError)
    return `${error.system}:${error.kind}${error.status ? `:${error.status}` : ''}`;
  return error instanceof Error ? error.name : 'unknown';
}
