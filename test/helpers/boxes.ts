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
