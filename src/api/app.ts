import express, { type Express } from 'express';

import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import { FramewireError } from '../errors';
import { accessLog } from './access-log';
import { corsMiddleware } from './cors';
import type { HttpDrain } from './http-drain';
import { errorHandler, sendError } from './http-errors';
import type { InferenceGate } from '../services/streaming';
import { apiDocsRouter } from './routes/api-docs';
import { demoRouter } from './routes/demo';
import { healthRouter } from './routes/health';
import { pipelinesRouter } from './routes/pipelines';
import { requireToken } from './require-token';

/** What the app serves beside the API: CORS for other origins' pages, the browser demo, and the API token. */
export interface WebOptions {
  readonly corsOrigins: readonly string[];
  readonly demo: boolean;
  /** When set, every /v1/ request needs it as a bearer token (Config.authToken). */
  readonly authToken?: string;
}

export interface AppParts {
  /** The REST routes' way to the scheduler: in-process, or over messages from the REST port's thread. */
  readonly gate: InferenceGate;
  /** /readyz: every model loaded and warmed up. */
  readonly ready: () => boolean;
  readonly maxFrameBytes: number;
  readonly log: Logger;
  readonly drain: HttpDrain;
  readonly web?: WebOptions;
  /**
   * The main port's extras: /metrics and (web.demo) the demo. The REST port serves only /v1/ (the API
   * descriptions included) and the probes.
   */
  readonly metrics?: Metrics;
}

/**
 * The Express app of either port, in one order: access log, CORS, drain, probes, [metrics, demo], API
 * descriptions, token for /v1/, the pipelines routes, not_found, the error handler.
 */
export function createApp({ gate, ready, maxFrameBytes, log, drain, web = { corsOrigins: [], demo: false }, metrics }: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: answers are results of a POST or live state, never revalidated, and Express would hash every body.
  app.disable('etag');
  app.use(accessLog(log));
  const cors = corsMiddleware(web.corsOrigins);
  if (cors) app.use(cors);
  app.use(drain.middleware());
  app.use(healthRouter(ready));
  if (metrics) {
    app.get('/metrics', async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
    if (web.demo) app.use(demoRouter());
  }
  app.use(apiDocsRouter());
  app.use('/v1', requireToken(web.authToken));
  app.use(pipelinesRouter(gate, maxFrameBytes));
  app.use((req, res) => sendError(res, new FramewireError('not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(log));
  return app;
}
