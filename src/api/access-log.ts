/**
 * The HTTP access log (pino-http, pino's own HTTP logger): one info line per request when it finishes, with
 * method, path, status, bytes, ms and the request id. An incoming X-Request-Id (printable, at most 128
 * characters) is kept; otherwise one is made. Either way it is echoed in the response's X-Request-Id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { pinoHttp, type HttpLogger } from 'pino-http';

import type { Logger } from '../logger';
import { redactedUrl } from './stream/upgrade-gate';

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export function accessLog(log: Logger): HttpLogger {
  return pinoHttp({
    logger: log,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = requestId(req);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'http_request',
    customErrorMessage: () => 'http_request',
    customAttributeKeys: { responseTime: 'ms' },
    customProps: (req: IncomingMessage & { id?: unknown }) => ({ request_id: req.id }),
    // The access line's own fields, flat: no header dumps (they may hold tokens).
    // (wrapSerializers off: these get Node's own request and response objects.)
    serializers: {
      req: (req: IncomingMessage & { originalUrl?: string }) => ({ method: req.method, path: redactedUrl(req.originalUrl ?? req.url ?? '/') }),
      res: (res: ServerResponse) => ({ status: res.statusCode, bytes: Number(res.getHeader('content-length') ?? 0) }),
    },
    wrapSerializers: false,
  });
}
