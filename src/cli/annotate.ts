/**
 * Draws one frame's answer onto the frame with OpenCV: boxes, labels, scores, track ids, zones, lines and counts.
 * A frame whose answer carries no result (dropped, or failed) shows the last result's boxes, greyed and marked
 * as carried over, so the output video has every frame that was read.
 */
import type { FrameResult, Line, Zone } from '../client';
import type { Mat, OpenCv } from './opencv';

export interface Overlay {
  readonly zones: readonly Zone[];
  readonly lines: readonly Line[];
}

/** A stable colour per label (BGR). */
function colourFor(label: string): [number, number, number] {
  let h = 0;
  for (const c of label) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  const palette: [number, number, number][] = [
    [56, 56, 255], [151, 157, 255], [31, 112, 255], [29, 178, 255], [49, 210, 207], [10, 249, 72],
    [23, 204, 146], [134, 219, 61], [211, 188, 0], [209, 154, 0], [255, 194, 0], [147, 69, 52],
  ];
  return palette[h % palette.length];
}

export function annotate(cv: OpenCv, mat: Mat, result: FrameResult | undefined, overlay: Overlay, carriedOver?: string): void {
  const vec = ([b, g, r]: [number, number, number]) => new cv.Vec3(b, g, r);
  const pt = (x: number, y: number) => new cv.Point2(Math.round(x), Math.round(y));
  const font = cv.FONT_HERSHEY_SIMPLEX;
  const grey: [number, number, number] = [160, 160, 160];

  for (const zone of overlay.zones) {
    mat.drawPolylines([zone.polygon.map(([x, y]) => pt(x, y))], true, vec([255, 200, 0]), 2, cv.LINE_AA);
    const [x, y] = zone.polygon[0];
    mat.putText(zone.id, pt(x + 4, y + 16), font, 0.5, vec([255, 200, 0]), 1, cv.LINE_AA);
  }
  for (const line of overlay.lines) {
    mat.drawLine(pt(...line.from), pt(...line.to), vec([0, 0, 255]), 2, cv.LINE_AA);
    mat.drawCircle(pt(...line.to), 4, vec([0, 0, 255]), -1);
    mat.putText(line.id, pt(line.from[0] + 4, line.from[1] + 16), font, 0.5, vec([0, 0, 255]), 1, cv.LINE_AA);
  }

  for (const d of result?.detections ?? []) {
    const colour = carriedOver ? grey : colourFor(d.label);
    const { x, y, width, height } = d.box;
    mat.drawRectangle(pt(x, y), pt(x + width, y + height), vec(colour), carriedOver ? 1 : 2, cv.LINE_AA);
    const text = `${d.track_id !== undefined ? `#${d.track_id} ` : ''}${d.label} ${d.score.toFixed(2)}`;
    const ty = y > 14 ? y - 4 : y + 14;
    mat.drawRectangle(pt(x, ty - 12), pt(x + 7 * text.length, ty + 3), vec(colour), -1);
    mat.putText(text, pt(x + 1, ty), font, 0.4, vec([255, 255, 255]), 1, cv.LINE_AA);
  }
  for (const f of result?.faces ?? []) {
    const colour: [number, number, number] = carriedOver ? grey : [0, 255, 0];
    const { x, y, width, height } = f.box;
    mat.drawRectangle(pt(x, y), pt(x + width, y + height), vec(colour), 2, cv.LINE_AA);
    for (const [lx, ly] of f.landmarks) mat.drawCircle(pt(lx, ly), 2, vec(colour), -1);
  }

  let row = 20;
  const banner = (text: string, colour: [number, number, number]): void => {
    mat.drawRectangle(pt(4, row - 15), pt(12 + 9 * text.length, row + 5), vec([0, 0, 0]), -1);
    mat.putText(text, pt(8, row), font, 0.5, vec(colour), 1, cv.LINE_AA);
    row += 22;
  };
  if (carriedOver) banner(`carried over: ${carriedOver}`, [0, 165, 255]);
  const counts = result?.counts;
  if (counts) {
    for (const [id, c] of Object.entries(counts.lines)) banner(`${id}: in ${fmt(c.in)} | out ${fmt(c.out)}`, [255, 255, 255]);
    for (const [id, c] of Object.entries(counts.zones)) banner(`${id}: ${fmt(c)}`, [255, 255, 255]);
  }
}

function fmt(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([label, n]) => `${label} ${n}`);
  return parts.length ? parts.join(', ') : '0';
}
