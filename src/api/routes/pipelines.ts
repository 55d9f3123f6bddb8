import express, { Router } from 'express';

import { FramewireError } from '../../errors';
import type { Admission, InferenceGate } from '../../services/streaming';

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
      // Listen for the client leaving before asking: admission may take a round trip to the main thread (the
      // REST port), or this handler may run turns after the socket closed (RequestTurns), and a 'close' that
      // has already fired never fires again. The place goes back either way.
      let gone = false;
      res.once('close', () => {
        gone = true;
        // A body that fails, or a client that leaves, gives the place back; after the run, a no-op.
        (res.locals.admission as Admission | undefined)?.release();
      });
      const admission = await gate.admit(req.params.id, query);
      if (admission instanceof FramewireError) throw admission;
      if (gone || res.destroyed) {
        admission.release();
        return;
      }
      res.locals.admission = admission;
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
