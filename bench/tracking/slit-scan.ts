/**
 * A slit image of a video: the pixel band around one column (x = 384 by default) of every frame, side by side,
 * time running left to right. Each person who crosses that column leaves one figure in it, so counting them by
 * eye gives an independent count of line crossings to hold the tracker's line counts against.
 *
 *   node dist/bench/tracking/slit-scan.js [--video vtest.avi] [--x 384] [--frames 300] [--out test-artifacts/slit-x384.png]
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import cv, { type Mat } from '../../test/helpers/opencv';
import { mediaPath } from '../../test/helpers/media';
import { tile } from '../../test/helpers/tile';

const { values } = parseArgs({
  options: {
    video: { type: 'string', default: 'vtest.avi' },
    x: { type: 'string', default: '384' },
    frames: { type: 'string', default: '300' },
    width: { type: 'string', default: '3', short: 'w' },
    out: { type: 'string', default: 'test-artifacts/slit-x384.png' },
  },
});
const x = Number(values.x);
const frames = Number(values.frames);
const band = Number(values.width);

const capture = new cv.VideoCapture(mediaPath(values.video));
const strips: Mat[] = [];
for (let i = 0; i < frames; i++) {
  const frame = capture.read();
  if (frame.empty) break;
  strips.push(frame.getRegion(new cv.Rect(x - Math.floor(band / 2), 0, band, frame.rows)));
}
capture.release();
const image = tile(strips, strips.length);
// Tick marks every 50 frames along the top.
for (let i = 0; i < strips.length; i += 50) {
  image.drawLine(new cv.Point2(i * band, 0), new cv.Point2(i * band, 12), new cv.Vec3(0, 0, 255), 2);
  image.putText(String(i), new cv.Point2(i * band + 2, 26), cv.FONT_HERSHEY_SIMPLEX, 0.5, new cv.Vec3(0, 0, 255), 1);
}
mkdirSync(path.dirname(values.out), { recursive: true });
cv.imwrite(values.out, image);
console.log(`wrote ${values.out}: ${strips.length} frames x ${band} px around x = ${x}`);
