/**
 * Plane geometry for tracking, zones and lines, in frame pixels (x right, y down). Pure.
 */

/** An axis-aligned box: top-left corner and size, as in the result schema. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export type Point = readonly [number, number];

/** Intersection over union of two boxes; 0 when either is empty. */
export function iou(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** A box's anchor for zones and lines: its bottom centre (where a person or car meets the ground). */
export function anchorOf(box: Rect): Point {
  return [box.x + box.width / 2, box.y + box.height];
}

/**
 * Which side of the directed line from `from` to `to` the point lies on: the sign of the cross product
 * (T-F) x (P-F) = (Tx-Fx)(Py-Fy) - (Ty-Fy)(Px-Fx). Positive, negative, or 0 exactly on the line.
 */
export function sideOf(from: Point, to: Point, p: Point): number {
  return Math.sign((to[0] - from[0]) * (p[1] - from[1]) - (to[1] - from[1]) * (p[0] - from[0]));
}

/**
 * Whether the segments p1-p2 and q1-q2 intersect (touching counts). Used for an anchor's path (p) against a
 * counting line (q): a crossing counts only over the segment itself, not the line beyond its ends.
 */
export function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = sideOf(q1, q2, p1);
  const d2 = sideOf(q1, q2, p2);
  const d3 = sideOf(p1, p2, q1);
  const d4 = sideOf(p1, p2, q2);
  if (d1 !== d2 && d3 !== d4 && d1 * d2 <= 0 && d3 * d4 <= 0) return true;
  // Collinear cases: a point of one segment lying on the other.
  return (d1 === 0 && onSegment(q1, q2, p1)) || (d2 === 0 && onSegment(q1, q2, p2)) || (d3 === 0 && onSegment(p1, p2, q1)) || (d4 === 0 && onSegment(p1, p2, q2));
}

function onSegment(a: Point, b: Point, p: Point): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** Point in polygon (even-odd rule, ray cast to +x). The polygon is closed implicitly; points on an edge may go either way. */
export function insidePolygon(polygon: readonly Point[], p: Point): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
