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

/** The logger's options: level, base fields, redaction. Tests that capture log lines use them too. */
export function loggerOptions(level: string): LoggerOptions {
  return { level, base: { service: 'framewire' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
}

/** The one logger factory: JSON lines to stdout, level from config. */
export function createLogger(level: string): Logger {
  return pino(loggerOptions(level));
}

export type { Logger };
