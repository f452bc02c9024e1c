/**
 * Structured logs with ids only. Fields are scalars on purpose: nobody can log a whole message,
 * webhook body or conversation state by accident. Conversations are named by `conversationRef`,
 * a keyed hash, because a WhatsApp conversation id is the user's phone number.
 */
import { createHmac } from 'node:crypto';

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

/** The shortest reference key taken: 32 characters (the stack generates 64). */
export const MIN_REF_KEY_LENGTH = 32;

let refKey: string | undefined;

/**
 * The deployment's reference key, set once when the process starts (Lambda: at init, from the
 * secret the stack generated; locally: the stack's own). Without it a reference is an unkeyed hash
 * that whoever tries every phone number of a country could reverse in minutes.
 */
export function useRefKey(key: string): void {
  if (key.length < MIN_REF_KEY_LENGTH)
    throw new Error(`the reference key must have at least ${MIN_REF_KEY_LENGTH} characters`);
  refKey = key;
}

/**
 * A stable name for a conversation, used as correlation id in logs and events: HMAC-SHA-256 with
 * the deployment's key, 128 bits of it. Only who holds the key can tell which number it names.
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
  if (refKey === undefined) throw new Error('no reference key: set BATON_REF_KEY or BATON_REF_KEY_SECRET');
  return `${prefix}-${createHmac('sha256', refKey).update(text).digest('hex').slice(0, 32)}`;
}

/** What of an error is safe to log: its class and message, never the input that caused it. */
export function errorFields(error: unknown): LogFields {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: typeof error };
}
