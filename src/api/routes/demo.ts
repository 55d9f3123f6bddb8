import { existsSync } from 'node:fs';
import path from 'node:path';

import express, { Router } from 'express';

import { PROJECT_ROOT } from '../../config';
import { FramewireError } from '../../errors';
import { sendError } from '../http-errors';

/** The browser demo's files, built by `npm run build` (demo/ bundled with esbuild into dist/demo). */
export const DEMO_DIR = path.join(PROJECT_ROOT, 'dist', 'demo');

/** GET /demo: the browser demo (static files only; it holds no secrets and asks for any token in the page). */
export function demoRouter(): Router {
  const router = Router();
  router.get('/demo', (req, res, next) => {
    // Relative asset URLs need the trailing slash.
    if (req.path === '/demo' && !req.originalUrl.split('?')[0].endsWith('/')) res.redirect(301, '/demo/');
    else next();
  });
  router.use('/demo', (_req, res, next) => {
    if (!existsSync(path.join(DEMO_DIR, 'index.html'))) sendError(res, new FramewireError('not_found', 'the demo is not built: run `npm run build`'));
    else next();
  }, express.static(DEMO_DIR, { index: 'index.html', maxAge: 0 }));
  return router;
}
