import pino, { type Logger } from 'pino';

/** The one logger factory: JSON lines to stdout, level from config. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'framewire' } });
}

export type { Logger };
