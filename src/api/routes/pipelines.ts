import express, { Router } from 'express';

import { FramewireError } from '../../errors';
import { unknownPipeline, type FrameOverrides, type VideoFilePipelineService } from '../../services/pipeline';
import type { FrameScheduler, RequestPlace } from '../../services/streaming';
import type { Metrics } from '../../metrics';

/** GET /v1/pipelines and POST /v1/pipelines/:id/infer (body: one JPEG). */
export function pipelinesRouter(service: VideoFilePipelineService, scheduler: FrameScheduler, metrics: Metrics, maxFrameBytes: number): Router {
  const router = Router();
  const jpegBody = express.raw({ type: 'image/jpeg', limit: maxFrameBytes });

  router.get('/v1/pipelines', (_req, res) => {
    res.json({ default_pipeline: service.defaultPipeline, pipelines: service.describe() });
  });

  router.post(
    '/v1/pipelines/:id/infer',
    (req, res, next) => {
      // Cheap checks first, before the body is read.
      if (!service.isValidPipeline(req.params.id)) throw unknownPipeline(req.params.id);
      const overrides = service.parseOverrides(req.params.id, new URL(req.originalUrl, 'http://localhost').searchParams);
      if (overrides instanceof FramewireError) throw overrides;
      res.locals.overrides = overrides;
      if (!req.is('image/jpeg')) throw new FramewireError('unsupported_media_type', `Content-Type must be image/jpeg, got ${req.get('content-type') ?? 'none'}`);
      // A place in the HTTP lane before the body is read: a burst beyond the lane is refused unread.
      const place = scheduler.reserve();
      if (place instanceof FramewireError) throw place;
      res.locals.place = place;
      res.once('close', () => place.release()); // a body that fails, or a client that leaves, gives it back
      next();
    },
    jpegBody,
    async (req, res) => {
      const body: unknown = req.body;
      const frame = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      // Waits its turn with the streams (one HTTP lane among the session lanes), then runs.
      const outcome = await (res.locals.place as RequestPlace).request(req.params.id, frame, res.locals.overrides as FrameOverrides | undefined);
      if (outcome instanceof FramewireError) throw outcome;
      if (outcome.decodeWarnings > 0) metrics.decoderWarnings.inc(outcome.decodeWarnings); // libjpeg's, never printed
      res.type('application/json').send(outcome.json);
    },
  );
  return router;
}
