/**
 * Graceful shutdown for HTTP: once the server stops accepting (StreamService.accepting turns false at
 * SIGTERM), new requests are answered 503 server_busy, `/readyz` included, so a load balancer stops sending;
 * `/healthz` and `/metrics` still answer. Requests already accepted are counted until their answer is sent,
 * so shutdown can wait for them instead of resetting their sockets.
 */
import type { RequestHandler } from 'express';

import { FramewireError } from '../errors';
import { sendError } from './http-errors';

/** Paths that still answer while the server drains: the process is alive, and its metrics are worth a scrape. */
const ALWAYS_ANSWERED = new Set(['/healthz', '/metrics']);

export class HttpDrain {
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly accepting: () => boolean) {}

  /** Requests accepted and not yet answered. */
  get active(): number {
    return this.inFlight;
  }

  middleware(): RequestHandler {
    return (req, res, next) => {
      if (!this.accepting() && !ALWAYS_ANSWERED.has(req.path)) {
        sendError(res, new FramewireError('server_busy', 'the server is shutting down'));
        return;
      }
      this.inFlight += 1;
      let counted = true;
      const done = (): void => {
        if (!counted) return;
        counted = false;
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      };
      res.once('finish', done); // answered
      res.once('close', done); // or the client went away first
      next();
    };
  }

  /** Resolves true once every accepted request is answered, or false at the deadline. */
  idle(deadlineMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
