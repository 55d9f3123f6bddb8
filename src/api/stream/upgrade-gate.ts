/**
 * Decides, from the HTTP upgrade request alone, whether a WebSocket may be
 * created: before any WebSocket exists a refused client gets a plain HTTP
 * answer (400, 404, 401, 403, 503). Pure: no sockets.
 */
import type { IncomingHttpHeaders } from 'node:http';

import type { StreamConfig } from '../../config';
import { FramewireError } from '../../errors';
import { bearerToken, tokenMatches } from '../auth';

export const STREAM_PATH = '/ws/video/stream';

export interface UpgradeRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** The header's token, else the first `token` query value (browsers cannot set headers on a WebSocket). */
function presentedToken(req: UpgradeRequest, url: URL): string | undefined {
  return bearerToken(req.headers) ?? url.searchParams.get('token') ?? undefined;
}

/**
 * The upgrade URL as it may be logged: every `token` query value (the stream's bearer token may ride there,
 * right or wrong, once or repeated) replaced by `[redacted]`. A URL that does not parse loses its query.
 */
export function redactedUrl(raw: string): string {
  const query = raw.indexOf('?');
  if (query < 0) return raw;
  try {
    const params = new URLSearchParams(raw.slice(query + 1));
    const redacted = new URLSearchParams();
    for (const [key, value] of params) redacted.append(key, key.toLowerCase() === 'token' ? '[redacted]' : value);
    return `${raw.slice(0, query)}?${redacted.toString()}`;
  } catch {
    return raw.slice(0, query);
  }
}

/**
 * Returns the refusal, or what the session asks for when the upgrade may proceed: the pipeline id (possibly
 * empty) and the query's other parameters (the stream service reads its options from them).
 */
export function checkUpgrade(req: UpgradeRequest, config: StreamConfig, accepting: boolean): FramewireError | { pipelineId: string; params: URLSearchParams } {
  let url: URL;
  try {
    url = new URL(req.url, 'http://localhost');
  } catch {
    // Node's HTTP parser passes request targets WHATWG URL refuses (`//[`, `//a b`): a thrown error here
    // would be uncaught in the 'upgrade' handler and end the process.
    return new FramewireError('invalid_request', 'the request URL does not parse');
  }
  if (url.pathname !== STREAM_PATH) return new FramewireError('not_found', `no WebSocket endpoint at ${url.pathname}; use ${STREAM_PATH}?pipeline_id=ID`);
  if (!accepting) return new FramewireError('server_busy', 'the server is shutting down');
  if (config.authToken !== undefined) {
    const token = presentedToken(req, url);
    if (token === undefined || !tokenMatches(token, config.authToken)) {
      return new FramewireError('unauthorized', 'send Authorization: Bearer TOKEN or ?token=TOKEN');
    }
  }
  const origin = req.headers.origin;
  if (config.allowedOrigins.length > 0 && origin !== undefined && !config.allowedOrigins.includes(origin)) {
    return new FramewireError('forbidden_origin', `Origin ${origin} is not allowed`);
  }
  return { pipelineId: url.searchParams.get('pipeline_id') ?? '', params: url.searchParams };
}
