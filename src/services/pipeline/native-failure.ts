/**
 * A native failure as the client sees it. The engine's message for a model failure holds OpenCV's text: its
 * source paths and C++ function signatures. The client gets the failing node and a short reason; the full
 * message stays in the server log (FramewireError.internalDetail). Decoder refusals (invalid_frame) are the
 * engine's own words about the frame and go out as they are. Pure: no addon.
 */
import { FramewireError, INTERNAL_DETAIL, isErrorCode } from '../../errors';

/** The engine's failure shape (src/native/binding.ts NativeFailure), restated so this module needs no addon. */
export interface EngineFailure {
  readonly error: string;
  readonly message: string;
}

export function fromEngineFailure(failure: EngineFailure): FramewireError {
  const code = isErrorCode(failure.error) ? failure.error : 'internal_error';
  if (code === 'invalid_frame') return new FramewireError(code, failure.message);
  if (code === 'pipeline_failure') {
    // The engine writes "node <id>: <OpenCV's message>".
    const node = /^node ([\w-]+): /.exec(failure.message)?.[1];
    return new FramewireError(code, `${node ? `node ${node}: ` : ''}the model failed on this frame; the server log has the details`, failure.message);
  }
  return new FramewireError('internal_error', INTERNAL_DETAIL, failure.message);
}
