import type { ErrorRequestHandler, Response } from 'express';

import { FramewireError, toFramewireError } from '../errors';
import type { Logger } from '../logger';

export function sendError(res: Response, error: FramewireError): void {
  res.status(error.httpStatus).json(error.toJSON());
}

/** Last middleware: every failure leaves as {"error": code, "detail": message}. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    // body-parser marks its own failures with a `type`.
    const type = (err as { type?: string }).type;
    let error: FramewireError;
    if (type === 'entity.too.large') error = new FramewireError('frame_too_large', `body exceeds the limit of ${(err as { limit: number }).limit} bytes`);
    else if (type !== undefined && (err as { status?: number }).status === 400) error = new FramewireError('invalid_frame', (err as Error).message);
    else error = toFramewireError(err);
    if (error.code === 'internal_error' || error.code === 'pipeline_failure') log.error({ err, path: req.path, error: error.code, detail: error.logDetail }, 'request failed');
    else log.debug({ path: req.path, error: error.code, detail: error.detail }, 'request rejected');
    sendError(res, error);
  };
}
