/** Box arithmetic for the tests, independent of src/services/tracking (which the tracking tests check). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Intersection over union; 0 when the boxes do not overlap. */
export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/**
 * Identity persistence between two consecutive frames' tracked boxes: each box of `previous` that has a track
 * id is paired with the unused box of `current` it overlaps most (IoU above `threshold`); how many such pairs,
 * and how many kept the id.
 */
export function idsKept<D extends { box: Box; track_id?: number }>(previous: readonly D[], current: readonly D[], threshold: number): { pairs: number; kept: number } {
  const used = new Set<D>();
  let pairs = 0;
  let kept = 0;
  for (const a of previous) {
    if (a.track_id === undefined) continue;
    let best: D | undefined;
    let bestIou = threshold;
    for (const b of current) {
      const v = iou(a.box, b.box);
      if (!used.has(b) && v > bestIou) [best, bestIou] = [b, v];
    }
    if (!best) continue;
    used.add(best);
    pairs += 1;
    if (best.track_id === a.track_id) kept += 1;
  }
  return { pairs, kept };
}
