/**
 * Structured logs with ids only. Fields are scalars on purpose: nobody can log a whole message,
 * webhook body or conversation state by accident. Conversations are named by `conversationRef`,
 * a hash, because a WhatsApp conversation id is the user's phone number.
 */
import { createHash } from 'node:crypto';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogSink = (level: LogLevel, message: string, fields: LogFields) => void;

export const jsonLineSink: LogSink = (level, message, fields) => {
  process.stdout.write(`${JSON.stringify({ level, message, time: new Date().toISOString(), ...fields })}\n`);
};

export function createLogger(options: { level?: LogLevel; sink?: LogSink; fields?: LogFields } = {}): Logger {
  const minimum = ORDER[options.level ?? 'info'];
  const sink = options.sink ?? jsonLineSink;
  const base = options.fields ?? {};
  const at =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}): void => {
      if (ORDER[level] >= minimum) sink(level, message, { ...base, ...fields });
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/**
 * A stable name for a conversation, used as correlation id in logs and events. A hash, but not a
 * keyed one: whoever tries every phone number can tell a WhatsApp conversation's (see the README).
 */
export function conversationRef(tenantId: string, conversationId: string): string {
  return hashRef('c', `${tenantId}\u0000${conversationId}`);
}

/**
 * A stable, non-reversible name for a message id, or an event id made from one, for logs: a
 * WhatsApp message id (`wamid.…`) is base64 around the sender's phone number.
 */
export function idRef(id: string): string {
  return hashRef('i', id);
}

function hashRef(prefix: string, text: string): string {
  return `${prefix}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

/** What of an error is safe to log: its class and message, never the input that caused it. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: typeof error };
}
