/**
 * A stream session's options from its connect URL's query (besides pipeline_id and token), read before the
 * session opens. A bad value refuses the session with invalid_parameter (close 1008). Pure.
 */
import { FramewireError } from '../../errors';
import type { FrameOverrides } from '../pipeline';

export interface SessionOptions {
  /** Track objects from the first frame (`&track=true`). */
  readonly track: boolean;
  /** `min_score` / `classes`, applied to every frame of the session inside its native call. */
  readonly overrides?: FrameOverrides;
}

/** Reads `min_score` / `classes` for the session's pipeline (the pipeline service knows its labels). */
export type OverridesReader = (params: URLSearchParams) => FrameOverrides | undefined | FramewireError;

export const DEFAULT_SESSION_OPTIONS: SessionOptions = Object.freeze({ track: false });

function flag(params: URLSearchParams, name: string, fallback: boolean): boolean | FramewireError {
  const values = params.getAll(name);
  if (values.length === 0) return fallback;
  if (values.length > 1) return new FramewireError('invalid_parameter', `${name} is given ${values.length} times; give it once`);
  if (values[0] === 'true' || values[0] === '1') return true;
  if (values[0] === 'false' || values[0] === '0') return false;
  return new FramewireError('invalid_parameter', `${name} must be true or false, got ${JSON.stringify(values[0].slice(0, 40))}`);
}

export function parseSessionOptions(params: URLSearchParams, readOverrides?: OverridesReader): SessionOptions | FramewireError {
  const track = flag(params, 'track', false);
  if (track instanceof FramewireError) return track;
  const overrides = readOverrides?.(params);
  if (overrides instanceof FramewireError) return overrides;
  return overrides ? { track, overrides } : { track };
}
