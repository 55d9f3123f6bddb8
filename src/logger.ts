import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Field paths censored in every log line, whatever the level: a token or an Authorization header that reaches
 * a log call by mistake (a logged request, config or headers object) is replaced. Defence in depth: no code
 * logs them on purpose, and logged URLs go through redactedUrl.
 */
const REDACTED_PATHS = [
  'authorization', '*.authorization', '*.headers.authorization', '*.*.headers.authorization',
  'token', '*.token', 'authToken', '*.authToken', '*.*.authToken',
];

/**
 * Every Framewire log line: `service`, an ISO 8601 `time` ("2026-11-30T13:42:03.254Z") a person and a log
 * shipper both read, and the redaction above. Tests that capture log lines use these options too.
 */
export const LOG_OPTIONS: LoggerOptions = {
  base: { service: 'framewire' },
  timestamp: pino.stdTimeFunctions.isoTime,
  redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
};

/** The logger's options at a level. */
export function loggerOptions(level: string): LoggerOptions {
  return { ...LOG_OPTIONS, level };
}

/** The one logger factory: JSON lines to stdout, level from config. */
export function createLogger(level: string): Logger {
  return pino(loggerOptions(level));
}

export type { Logger };
