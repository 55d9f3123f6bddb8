/**
 * Per-request `min_score` and `classes` (REST query parameters, stream connect URL): parsed and validated here,
 * once per request or session, then handed to the engine as plain data and applied inside the frame's one native
 * call (native/core/engine.cc). Pure: no addon.
 */
import { FramewireError } from '../../errors';
import type { FrameOverrides } from '../../native/binding';

export type { FrameOverrides };

/** At most this many labels in `classes`. */
export const MAX_CLASSES = 100;

function single(params: URLSearchParams, name: string): string | undefined | FramewireError {
  const values = params.getAll(name);
  if (values.length > 1) return new FramewireError('invalid_parameter', `${name} is given ${values.length} times; give it once`);
  return values[0];
}

/**
 * @param labels the labels the pipeline's detector nodes can return; undefined when it has no detector node
 *   (then `classes` is refused).
 * @returns undefined when neither parameter is given.
 */
export function parseOverrides(params: URLSearchParams, pipelineId: string, labels: ReadonlySet<string> | undefined): FrameOverrides | undefined | FramewireError {
  const minScore = single(params, 'min_score');
  if (minScore instanceof FramewireError) return minScore;
  const classes = single(params, 'classes');
  if (classes instanceof FramewireError) return classes;
  if (minScore === undefined && classes === undefined) return undefined;
  const overrides: { minScore?: number; classes?: string[] } = {};
  if (minScore !== undefined) {
    const value = /^(0|1)?(\.\d+)?$/.test(minScore) && minScore !== '' ? Number(minScore) : NaN;
    if (!(value > 0 && value <= 1)) return new FramewireError('invalid_parameter', `min_score must be a decimal number above 0 and at most 1 (e.g. 0.5), got "${minScore.slice(0, 40)}"`);
    overrides.minScore = value;
  }
  if (classes !== undefined) {
    if (!labels) return new FramewireError('invalid_parameter', `pipeline "${pipelineId}" has no object detector, so classes does not apply`);
    const names = [...new Set(classes.split(',').map((c) => c.trim()))];
    if (names.some((n) => n === '')) return new FramewireError('invalid_parameter', 'classes must be label names separated by commas, e.g. classes=person,car');
    if (names.length > MAX_CLASSES) return new FramewireError('invalid_parameter', `classes names ${names.length} labels; at most ${MAX_CLASSES}`);
    const unknown = names.filter((n) => !labels.has(n));
    if (unknown.length > 0) {
      return new FramewireError('invalid_parameter', `pipeline "${pipelineId}" has no label ${unknown.slice(0, 5).map((u) => `"${u.slice(0, 40)}"`).join(', ')}; GET /v1/pipelines lists the pipeline's labels`);
    }
    overrides.classes = names;
  }
  return overrides;
}
