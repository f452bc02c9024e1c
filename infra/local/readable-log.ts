/** The local stack's log: one readable line per step, ids only (the same no-personal-data rule as in AWS). */
import type { LogFields, LogLevel, LogSink } from '../../shared/log/logger';

const LEVEL: Record<LogLevel, string> = { debug: 'debug', info: 'info ', warn: 'WARN ', error: 'ERROR' };

export function readableSink(write: (line: string) => void = (line) => process.stdout.write(line)): LogSink {
  return (level: LogLevel, message: string, fields: LogFields) => {
    const { function: fn, service: _service, ...rest } = fields;
    const details = Object.entries(rest)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    const time = new Date().toISOString().slice(11, 23);
    write(
      `${time} ${LEVEL[level]} ${String(fn ?? 'local').padEnd(15)} ${message}${details ? `  ${details}` : ''}\n`,
    );
  };
}
