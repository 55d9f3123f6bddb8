/**
 * Optional CORS for the HTTP API (FRAMEWIRE_CORS_ORIGINS), with the `cors` middleware (Express's own, well
 * kept). Off by default: without the variable no CORS header is sent and browsers keep their same-origin rule.
 * The WebSocket endpoint has its own origin check (STREAM_ALLOWED_ORIGINS).
 */
import cors from 'cors';
import type { RequestHandler } from 'express';

export function corsMiddleware(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  return cors({
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: ['Content-Type', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
}
