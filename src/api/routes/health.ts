import { Router } from 'express';

import { FramewireError } from '../../errors';
import { sendError } from '../http-errors';

/** /healthz: the process answers. /readyz: every model loaded and warmed up (`ready()`). */
export function healthRouter(ready: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    if (ready()) res.json({ status: 'ready' });
    else sendError(res, new FramewireError('not_ready', 'models are still loading'));
  });
  return router;
}
