/**
 * Every error code Framewire can answer with, in one place: its HTTP status
 * and, for the WebSocket endpoint, the close code that follows it (null: the
 * session stays open). Codes are stable API: clients branch on them.
 * docs/errors.md documents each one and test/errors-documented.test.ts fails
 * when a code here is missing there.
 */
export const ERROR_CODES = {
  invalid_frame: { http: 400, ws: 1007, summary: 'The frame is not a decodable JPEG, or declares more pixels than allowed.' },
  invalid_request: { http: 400, ws: null, summary: 'The HTTP request itself is malformed: a bad percent-escape in the path, a body its Content-Encoding does not describe, or an upgrade URL that does not parse.' },
  invalid_message: { http: 400, ws: 1003, summary: 'A text message on the stream that is not a control message: frames are binary JPEG messages.' },
  invalid_config: { http: 400, ws: null, summary: 'A stream control message (configure, reset) that is malformed or names bad zones or lines; the session keeps its previous configuration.' },
  invalid_parameter: { http: 400, ws: 1008, summary: 'A query parameter of the request or the stream URL has a bad value (track, min_score, classes).' },
  unauthorized: { http: 401, ws: null, summary: 'A token is configured and the request (REST under /v1/, or the stream upgrade) lacks it.' },
  forbidden_origin: { http: 403, ws: null, summary: 'The stream upgrade comes from an Origin not allowed.' },
  invalid_pipeline: { http: 404, ws: 1008, summary: 'No pipeline with that id.' },
  not_found: { http: 404, ws: null, summary: 'No HTTP route at that method and path.' },
  frame_too_large: { http: 413, ws: 1009, summary: 'The frame is larger than the byte limit.' },
  unsupported_media_type: { http: 415, ws: null, summary: 'The request body is not image/jpeg.' },
  client_too_slow: { http: 503, ws: 1008, summary: 'The client does not read its answers; its unsent output passed the limit.' },
  server_busy: { http: 503, ws: 1013, summary: 'The stream session limit is reached, the HTTP request queue is full, or the server is shutting down.' },
  not_ready: { http: 503, ws: 1013, summary: 'Models are still loading; retry when /readyz answers 200.' },
  pipeline_failure: { http: 500, ws: null, summary: 'A model or OpenCV call failed on a frame that decoded fine.' },
  internal_error: { http: 500, ws: 1011, summary: 'An unexpected server fault.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** An error that carries one of the stable codes and a human-readable detail. */
export class FramewireError extends Error {
  /**
   * @param detail what the client is told: short, and free of server internals.
   * @param internalDetail what the server log gets instead, when the full story holds internals (OpenCV's source
   *   paths and function signatures); never sent.
   */
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly internalDetail?: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'FramewireError';
  }

  /** The detail the server logs: the internal one when there is one. */
  get logDetail(): string {
    return this.internalDetail ?? this.detail;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  /** The WebSocket close code that follows this error, or null when the session stays open. */
  get wsCloseCode(): number | null {
    return ERROR_CODES[this.code].ws;
  }

  toJSON(): { error: ErrorCode; detail: string } {
    return { error: this.code, detail: this.detail };
  }
}

/** Maps anything thrown (native errors carry a `code`) to a FramewireError. */
export function toFramewireError(err: unknown): FramewireError {
  if (err instanceof FramewireError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (isErrorCode(code) && code !== 'internal_error') return new FramewireError(code, message);
  // A fault of ours: its message is for the server log, not for the client.
  return new FramewireError('internal_error', INTERNAL_DETAIL, message);
}

/** What a client is told about an unexpected server fault. */
export const INTERNAL_DETAIL = 'an unexpected server fault; the server log has the details';
