/**
 * Reads the zones and lines of a `configure` control message into a SceneLayout, or says what is wrong with
 * them (the detail of an invalid_config answer). Pure.
 */
import type { Point } from './geometry';
import type { CountingLine, SceneLayout, Zone } from './zones-and-lines';

/** Documented limits (docs/streaming.md) on one session's layout. */
export const LAYOUT_LIMITS = Object.freeze({ zones: 16, lines: 16, polygonPoints: 64, idLength: 64, coordinate: 1_000_000 });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class LayoutError extends Error {}

function point(value: unknown, where: string): Point {
  if (!Array.isArray(value) || value.length !== 2) throw new LayoutError(`${where} must be an [x, y] pair of numbers`);
  const [x, y] = value as unknown[];
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) throw new LayoutError(`${where} must be an [x, y] pair of numbers`);
  if (Math.abs(x) > LAYOUT_LIMITS.coordinate || Math.abs(y) > LAYOUT_LIMITS.coordinate) throw new LayoutError(`${where} is beyond ±${LAYOUT_LIMITS.coordinate} pixels`);
  return [x, y];
}

function identity(item: Record<string, unknown>, where: string, seen: Set<string>): string {
  const id = item.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > LAYOUT_LIMITS.idLength) throw new LayoutError(`${where}.id must be a string of 1 to ${LAYOUT_LIMITS.idLength} characters`);
  if (seen.has(id)) throw new LayoutError(`${where}.id "${id}" is used twice`);
  seen.add(id);
  return id;
}

function labelList(item: Record<string, unknown>, where: string, known: ReadonlySet<string>): string[] | undefined {
  if (item.labels === undefined) return undefined;
  if (!Array.isArray(item.labels) || item.labels.length === 0) throw new LayoutError(`${where}.labels must be a non-empty array of label names (omit it for all labels)`);
  for (const label of item.labels) {
    if (typeof label !== 'string' || !known.has(label)) throw new LayoutError(`${where}.labels: ${JSON.stringify(label)} is not a label this pipeline detects`);
  }
  return [...new Set(item.labels as string[])];
}

function list(value: unknown, name: string, max: number): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new LayoutError(`${name} must be an array`);
  if (value.length > max) throw new LayoutError(`${name}: at most ${max} per session, got ${value.length}`);
  return value;
}

/**
 * The layout from a configure message's `zones` and `lines` (either may be undefined: none). Zone and line ids
 * share one namespace per kind; `labels` must name labels of `knownLabels`.
 */
export function parseLayout(zones: unknown, lines: unknown, knownLabels: ReadonlySet<string>): SceneLayout | string {
  try {
    const zoneIds = new Set<string>();
    const parsedZones: Zone[] = list(zones, 'zones', LAYOUT_LIMITS.zones).map((raw, i) => {
      const where = `zones[${i}]`;
      if (!isObject(raw)) throw new LayoutError(`${where} must be an object {"id","polygon","labels"}`);
      const id = identity(raw, where, zoneIds);
      const polygon = raw.polygon;
      if (!Array.isArray(polygon) || polygon.length < 3) throw new LayoutError(`${where}.polygon must have at least 3 points`);
      if (polygon.length > LAYOUT_LIMITS.polygonPoints) throw new LayoutError(`${where}.polygon: at most ${LAYOUT_LIMITS.polygonPoints} points`);
      return { id, polygon: polygon.map((p, k) => point(p, `${where}.polygon[${k}]`)), labels: labelList(raw, where, knownLabels) };
    });
    const lineIds = new Set<string>();
    const parsedLines: CountingLine[] = list(lines, 'lines', LAYOUT_LIMITS.lines).map((raw, i) => {
      const where = `lines[${i}]`;
      if (!isObject(raw)) throw new LayoutError(`${where} must be an object {"id","from","to","labels"}`);
      const id = identity(raw, where, lineIds);
      const from = point(raw.from, `${where}.from`);
      const to = point(raw.to, `${where}.to`);
      if (from[0] === to[0] && from[1] === to[1]) throw new LayoutError(`${where} has zero length: from and to are the same point`);
      return { id, from, to, labels: labelList(raw, where, knownLabels) };
    });
    return { zones: parsedZones, lines: parsedLines };
  } catch (err) {
    if (err instanceof LayoutError) return err.message;
    throw err;
  }
}
