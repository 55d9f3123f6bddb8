/**
 * The native fuzzer's seed corpus, made at run time from the real photos in ../shared/media (never committed):
 * each image scaled down (small inputs keep executions/s high; the decoder's paths do not depend on size) and
 * encoded several ways with OpenCV's libjpeg-turbo: baseline 4:2:0, 4:4:4, progressive, optimised Huffman
 * tables, grey, restart intervals, an EXIF APP1 segment, low quality; plus a few frame shapes the pipelines
 * treat specially (1 px high, tiny, very wide) and hand-built marker sequences.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import cv, { type Mat } from '../helpers/opencv';
import { jpegHeaderOnly, jpegMarkersRandomBody, withExifOrientation } from '../helpers/jpeg-bytes';
import { MEDIA_DIR, mediaPath } from '../helpers/media';

/** OpenCV 4.5.5+'s IMWRITE_JPEG_SAMPLING_FACTOR, which @u4/opencv4nodejs does not export. */
const IMWRITE_JPEG_SAMPLING_FACTOR = 7;
const SAMPLING_444 = 0x111111;

function scaledTo(image: Mat, longSide: number): Mat {
  const factor = longSide / Math.max(image.cols, image.rows);
  return image.resize(Math.max(1, Math.round(image.rows * factor)), Math.max(1, Math.round(image.cols * factor)));
}

function encodings(image: Mat): Record<string, Buffer> {
  const enc = (m: Mat, params: number[]): Buffer => cv.imencode('.jpg', m, params);
  const grey = image.bgrToGray();
  return {
    baseline: enc(image, [cv.IMWRITE_JPEG_QUALITY, 90]),
    s444: enc(image, [cv.IMWRITE_JPEG_QUALITY, 90, IMWRITE_JPEG_SAMPLING_FACTOR, SAMPLING_444]),
    progressive: enc(image, [cv.IMWRITE_JPEG_QUALITY, 85, cv.IMWRITE_JPEG_PROGRESSIVE, 1]),
    optimized: enc(image, [cv.IMWRITE_JPEG_QUALITY, 75, cv.IMWRITE_JPEG_OPTIMIZE, 1]),
    grey: enc(grey, [cv.IMWRITE_JPEG_QUALITY, 90]),
    grey_progressive: enc(grey, [cv.IMWRITE_JPEG_QUALITY, 80, cv.IMWRITE_JPEG_PROGRESSIVE, 1]),
    restart: enc(image, [cv.IMWRITE_JPEG_QUALITY, 90, cv.IMWRITE_JPEG_RST_INTERVAL, 2]),
    restart_progressive: enc(image, [cv.IMWRITE_JPEG_QUALITY, 80, cv.IMWRITE_JPEG_RST_INTERVAL, 1, cv.IMWRITE_JPEG_PROGRESSIVE, 1]),
    exif6: withExifOrientation(enc(image, [cv.IMWRITE_JPEG_QUALITY, 90]), 6),
    q10: enc(image, [cv.IMWRITE_JPEG_QUALITY, 10]),
  };
}

/** Writes the seeds into `dir` (created); returns how many. */
export function writeSeeds(dir: string): number {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const put = (name: string, bytes: Buffer): void => {
    writeFileSync(path.join(dir, `${name}.jpg`), bytes);
    count++;
  };
  const images = readdirSync(MEDIA_DIR).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  images.forEach((file, i) => {
    const image = cv.imread(mediaPath(file));
    const small = scaledTo(image, [48, 96, 160][i % 3]);
    for (const [kind, bytes] of Object.entries(encodings(small))) put(`${path.parse(file).name}-${kind}`, bytes);
  });
  const messi = cv.imread(mediaPath('messi5.jpg'));
  put('shape-1px-high', cv.imencode('.jpg', messi.resize(1, 200)));
  put('shape-2x2', cv.imencode('.jpg', messi.resize(2, 2)));
  put('shape-wide', cv.imencode('.jpg', messi.resize(9, 400)));
  put('crafted-header-only', jpegHeaderOnly(64, 64));
  put('crafted-random-body', jpegMarkersRandomBody(256));
  return count;
}
