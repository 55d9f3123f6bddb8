import express, { type Express } from 'express';

import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { VideoFilePipelineService } from '../services/pipeline';
import type { FrameScheduler } from '../services/streaming';
import { FramewireError } from '../errors';
import { accessLog } from './access-log';
import { corsMiddleware } from './cors';
import { HttpDrain } from './http-drain';
import { errorHandler, sendError } from './http-errors';
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

export function createApp(service: VideoFilePipelineService, scheduler: FrameScheduler, metrics: Metrics, maxFrameBytes: number, log: Logger, drain: HttpDrain, web: WebOptions = { corsOrigins: [], demo: false }): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: answers are results of a POST or live state, never revalidated, and Express would hash every body.
  app.disable('etag');
  app.use(accessLog(log));
  const cors = corsMiddleware(web.corsOrigins);
  if (cors) app.use(cors);
  app.use(drain.middleware());
  app.use(healthRouter(service));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(apiDocsRouter());
  if (web.demo) app.use(demoRouter());
  app.use('/v1', requireToken(web.authToken));
  app.use(pipelinesRouter(service, scheduler, metrics, maxFrameBytes));
  app.use((req, res) => sendError(res, new FramewireError('not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(log));
  return app;
}
