/**
 * HTTP requests take turns with the streams on the one event loop. Node parses a request and, in the same
 * callback, runs the whole Express chain on it (access log, CORS, auth, routes, the answer). A burst of 200
 * requests arrives in one poll of the sockets, so their handling ran back to back: about 1.5 ms each on this
 * machine, 300 ms in all, while a stream's next frame and the engine's completions (which free the slots)
 * waited in the same poll queue. bench:rest-burst measured a paced stream stalled by 5-12x one frame's work.
 *
 * Here each request's handling runs in its own `setImmediate` turn, one per loop iteration, in arrival order:
 * between two requests the loop polls its sockets again, so a stream frame or a finished frame waits for at
 * most one request's handling. The requests themselves lose nothing: the same work, in the same order.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export class RequestTurns {
  private readonly queue: [IncomingMessage, ServerResponse][] = [];
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly handle: RequestListener) {}

  /** Requests received and not yet handed to the handler. */
  get pending(): number {
    return this.queue.length;
  }

  /** The server's request listener: queues the request for its turn. */
  readonly listener: RequestListener = (req, res) => {
    this.queue.push([req, res]);
    this.schedule();
  };

  /**
   * Resolves true once every queued request has had its turn, or false at the deadline (shutdown waits for
   * this before it counts the requests still unanswered).
   */
  idle(deadlineMs: number): Promise<boolean> {
    if (this.queue.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const next = this.queue.shift();
      if (next) this.handle(...next); // Express catches its own errors and answers 500
      if (this.queue.length > 0) this.schedule();
      else for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }
}
