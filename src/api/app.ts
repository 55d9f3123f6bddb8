import express, { type Express } from 'express';

import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { VideoFilePipelineService } from '../services/pipeline';
import type { FrameScheduler } from '../services/streaming';
import { FramewireError } from '../errors';
import { HttpDrain } from './http-drain';
import { errorHandler, sendError } from './http-errors';
import { healthRouter } from './routes/health';
import { pipelinesRouter } from './routes/pipelines';
import { requireToken } from './require-token';

/** @param authToken when set, every /v1/ request needs it as a bearer token (Config.authToken). */
export function createApp(service: VideoFilePipelineService, scheduler: FrameScheduler, metrics: Metrics, maxFrameBytes: number, log: Logger, drain: HttpDrain, authToken?: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(drain.middleware());
  app.use(healthRouter(service));
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use('/v1', requireToken(authToken));
  app.use(pipelinesRouter(service, scheduler, metrics, maxFrameBytes));
  app.use((req, res) => sendError(res, new FramewireError('not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorHandler(log));
  return app;
}
