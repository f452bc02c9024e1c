/** An in-process local stack on the run's DynamoDB Local, with its own table and a captured log. */
import { randomUUID } from 'node:crypto';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/stack';
import type { LogFields, LogLevel } from '../../shared/log/logger';
import { dynamoEndpoint } from './dynamo';

export interface CapturedLine {
  /** When it was logged (epoch ms), to merge with the simulators' log. */
  at: number;
  level: LogLevel;
  message: string;
  fields: LogFields;
}

/**
 * `ownDynamoDb`: a DynamoDB Local of its own (started and stopped with the stack) instead of the
 * run's shared one. For the soak: late in a full run the shared one, holding every earlier file's
 * tables and streams, ran at a full core and answered the soak three times slower (all settled
 * after 585 s, against 200 s on a fresh one; a 1 GB heap did not change it): that measured the
 * run's leftovers, not the conveyor.
 */
export async function startTestStack(
  options: Pick<LocalStackOptions, 'scheduleTimers' | 'tenantOverrides' | 'operatorTokens'> & {
    ownDynamoDb?: boolean;
  } = {},
): Promise<{ stack: LocalStack; logs: CapturedLine[] }> {
  const logs: CapturedLine[] = [];
  const { ownDynamoDb, ...stackOptions } = options;
  const stack = await startLocalStack({
    port: 0,
    dynamoEndpoint: ownDynamoDb ? undefined : dynamoEndpoint(),
    tableName: `stack-${randomUUID().slice(0, 8)}`,
    logSink: (level, message, fields) => logs.push({ at: Date.now(), level, message, fields }),
    retryDelaysMs: [150, 300],
    ...stackOptions,
  });
  return { stack, logs };
}
