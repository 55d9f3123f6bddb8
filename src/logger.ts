import pino, { type Logger } from 'pino';

/** The one logger factory: JSON lines to stdout, level from config, ISO 8601 timestamps (`"time":"2026-…Z"`). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'framewire' }, timestamp: pino.stdTimeFunctions.isoTime });
}

export type { Logger };
