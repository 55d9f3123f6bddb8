/**
 * Every error code Framewire can answer with, in one place. Codes are stable
 * API: clients branch on them. docs/errors.md documents each one and
 * test/errors-documented.test.ts fails when a code here is missing there.
 */
export const ERROR_CODES = {
  invalid_frame: { http: 400, summary: 'The frame is not a decodable JPEG, or declares more pixels than allowed.' },
  invalid_pipeline: { http: 404, summary: 'No pipeline with that id.' },
  not_found: { http: 404, summary: 'No HTTP route at that method and path.' },
  frame_too_large: { http: 413, summary: 'The frame is larger than the byte limit.' },
  unsupported_media_type: { http: 415, summary: 'The request body is not image/jpeg.' },
  not_ready: { http: 503, summary: 'Models are still loading; retry when /readyz answers 200.' },
  pipeline_failure: { http: 500, summary: 'A model or OpenCV call failed on a frame that decoded fine.' },
  internal_error: { http: 500, summary: 'An unexpected server fault.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** An error that carries one of the stable codes and a human-readable detail. */
export class FramewireError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'FramewireError';
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
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
  return new FramewireError(isErrorCode(code) ? code : 'internal_error', message);
}
