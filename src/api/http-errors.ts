import type { ErrorRequestHandler, Response } from 'express';

import { FramewireError, toFramewireError } from '../errors';
import type { Logger } from '../logger';

export function sendError(res: Response, error: FramewireError): void {
  // Both pass within seconds: the queue drains, the models finish loading.
  if (error.code === 'server_busy' || error.code === 'not_ready') res.set('Retry-After', '1');
  res.status(error.httpStatus).json(error.toJSON());
}

/** Last middleware: every failure leaves as {"error": code, "detail": message}. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    // body-parser marks its own failures with a `type`; it, the router (a bad percent-escape) and zlib (a body
    // its Content-Encoding does not describe) mark client faults with a 4xx `status`. Those are the client's:
    // never a 5xx.
    const type = (err as { type?: string }).type;
    const status = (err as { status?: unknown }).status;
    const clientFault = typeof status === 'number' && status >= 400 && status < 500;
    let error: FramewireError;
    if (type === 'entity.too.large') error = new FramewireError('frame_too_large', `body exceeds the limit of ${(err as { limit: number }).limit} bytes`);
    else if (status === 415) error = new FramewireError('unsupported_media_type', (err as Error).message);
    else if (type !== undefined && status === 400) error = new FramewireError('invalid_frame', (err as Error).message);
    else if (clientFault) error = new FramewireError('invalid_request', (err as Error).message);
    else error = toFramewireError(err);
    if (error.code === 'internal_error' || error.code === 'pipeline_failure') log.error({ err, path: req.path, error: error.code, detail: error.logDetail }, 'request failed');
    else log.debug({ path: req.path, error: error.code, detail: error.detail }, 'request rejected');
    sendError(res, error);
  };
}
