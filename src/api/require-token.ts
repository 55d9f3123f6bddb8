/**
 * REST's half of the bearer token (the stream's is in the upgrade gate): with a token configured, every /v1/
 * request needs `Authorization: Bearer TOKEN`, checked before the pipeline id or the body are looked at.
 * Only the header: unlike a WebSocket in a browser, any HTTP client can set it, and a query string ends up in
 * proxies' access logs. /healthz, /readyz and /metrics stay open for probes and scrapers.
 */
import type { RequestHandler } from 'express';

import { FramewireError } from '../errors';
import { bearerToken, tokenMatches } from './auth';
import { sendError } from './http-errors';

export function requireToken(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (token === undefined) {
      next();
      return;
    }
    const given = bearerToken(req.headers);
    if (given === undefined || !tokenMatches(given, token)) {
      res.set('WWW-Authenticate', 'Bearer realm="framewire"');
      sendError(res, new FramewireError('unauthorized', 'send Authorization: Bearer TOKEN'));
      return;
    }
    next();
  };
}
