/**
 * Test fixtures, all real media from ../shared/media (see test/FIXTURES.md for
 * provenance). Videos and PNGs are turned into JPEG bytes with OpenCV, as a
 * camera gateway would send them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import cv, { type Mat } from './opencv';

import { PROJECT_ROOT } from '../../src/config';

export const MEDIA_DIR = path.resolve(process.env.FRAMEWIRE_MEDIA_DIR ?? path.join(PROJECT_ROOT, '..', 'shared', 'media'));

export function mediaPath(name: string): string {
  return path.join(MEDIA_DIR, name);
}

export function readMedia(name: string): Buffer {
  return readFileSync(mediaPath(name));
}

export function encodeJpeg(image: Mat, quality = 90): Buffer {
  return cv.imencode('.jpg', image, [cv.IMWRITE_JPEG_QUALITY, quality]);
}

/** An image file (PNG or JPEG) re-encoded as JPEG. */
export function imageAsJpeg(name: string, quality = 90): Buffer {
  return encodeJpeg(cv.imread(mediaPath(name)), quality);
}

/** `count` consecutive frames of a video, from frame `first`, as JPEG bytes. */
export function videoFramesAsJpeg(name: string, first: number, count: number, quality = 90): Buffer[] {
  const capture = new cv.VideoCapture(mediaPath(name));
  try {
    capture.set(cv.CAP_PROP_POS_FRAMES, first);
    const frames: Buffer[] = [];
    while (frames.length < count) {
      const frame = capture.read();
      if (frame.empty) throw new Error(`${name} has fewer than ${first + count} frames`);
      frames.push(encodeJpeg(frame, quality));
    }
    return frames;
  } finally {
    capture.release();
  }
}

/** A JPEG of `image` resized by `factor` (for scaled-decode tests). */
export function resizedJpeg(jpeg: Buffer, factor: number): Buffer {
  const image = cv.imdecode(jpeg);
  return encodeJpeg(image.resize(Math.round(image.rows * factor), Math.round(image.cols * factor)));
}
