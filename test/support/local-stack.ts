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

export async function startTestStack(
  options: Pick<LocalStackOptions, 'scheduleTimers' | 'tenantOverrides'> = {},
): Promise<{ stack: LocalStack; logs: CapturedLine[] }> {
  const logs: CapturedLine[] = [];
  const stack = await startLocalStack({
    port: 0,
    dynamoEndpoint: dynamoEndpoint(),
    tableName: `stack-${randomUUID().slice(0, 8)}`,
    logSink: (level, message, fields) => logs.push({ at: Date.now(), level, message, fields }),
    retryDelaysMs: [150, 300],
    ...options,
  });
  return { stack, logs };
}
