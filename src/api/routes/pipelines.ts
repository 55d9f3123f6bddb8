import express, { Router } from 'express';

import { FramewireError } from '../../errors';
import type { Admission, InferenceGate } from '../inference-gate';

/**
 * GET /v1/pipelines and POST /v1/pipelines/:id/infer (body: one JPEG), on either port: the gate is the
 * server's (main port) or a message channel to it (REST port's thread).
 */
export function pipelinesRouter(gate: InferenceGate, maxFrameBytes: number): Router {
  const router = Router();
  const jpegBody = express.raw({ type: 'image/jpeg', limit: maxFrameBytes });

  router.get('/v1/pipelines', async (_req, res) => {
    res.json(await gate.pipelines());
  });

  router.post(
    '/v1/pipelines/:id/infer',
    async (req, res, next) => {
      // Cheap checks first, before the body is read: the media type, then (in the gate) the pipeline id, the
      // overrides and a place in the HTTP lane. A burst beyond the lane is refused unread.
      if (!req.is('image/jpeg')) throw new FramewireError('unsupported_media_type', `Content-Type must be image/jpeg, got ${req.get('content-type') ?? 'none'}`);
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
      const admission = await gate.admit(req.params.id, query);
      if (admission instanceof FramewireError) throw admission;
      res.locals.admission = admission;
      res.once('close', () => admission.release()); // a body that fails, or a client that leaves, gives it back
      next();
    },
    jpegBody,
    async (req, res) => {
      const body: unknown = req.body;
      const frame = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      // Waits its turn with the streams (one HTTP lane among the session lanes), then runs.
      const answer = await (res.locals.admission as Admission).run(frame);
      if (answer instanceof FramewireError) throw answer;
      res.type('application/json').send(answer);
    },
  );
  return router;
}
