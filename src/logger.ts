import pino, { type Logger, type LoggerOptions } from 'pino';

/** Every Framewire log line: `service`, and an ISO 8601 `time` ("2026-11-30T13:42:03.254Z") a person and a log shipper both read. */
export const LOG_OPTIONS: LoggerOptions = { base: { service: 'framewire' }, timestamp: pino.stdTimeFunctions.isoTime };

/** The one logger factory: JSON lines to stdout, level from config. */
export function createLogger(level: string): Logger {
  return pino({ ...LOG_OPTIONS, level });
}

export type { Logger };
