/**
 * Where the CLI's frames come from: a video file, a folder of JPEGs, an RTSP/HTTP URL or a camera index. Files
 * and folders are read frame by frame (never whole into memory); live sources are taken as they come.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import type { Mat, OpenCv } from './opencv';

export interface VideoSource {
  /** The next frame, or undefined at the end. */
  next(): Promise<Mat | undefined>;
  /** The source's own frame rate, when it has one. */
  readonly fps: number | undefined;
  /** Frames in the source, when known (files and folders). */
  readonly frameCount: number | undefined;
  /** A live source (camera, network stream): frames come at their own pace and are skipped when the server is busy. */
  readonly live: boolean;
  release(): void;
}

const JPEG = /\.jpe?g$/i;

export function openSource(cv: OpenCv, source: string): VideoSource {
  if (/^\d+$/.test(source)) return capture(cv, Number(source), true, source);
  if (/^(rtsp|rtmp|https?):\/\//i.test(source)) return capture(cv, source, true, source);
  let stat;
  try {
    stat = statSync(source);
  } catch {
    throw new Error(`no such file or folder: ${source}`);
  }
  if (stat.isDirectory()) return folder(cv, source);
  return capture(cv, source, false, source);
}

function capture(cv: OpenCv, target: string | number, live: boolean, name: string): VideoSource {
  const cap = new cv.VideoCapture(target);
  const fps = cap.get(cv.CAP_PROP_FPS);
  const count = cap.get(cv.CAP_PROP_FRAME_COUNT);
  let ended = false;
  const first = cap.read();
  if (first.empty) {
    cap.release();
    throw new Error(`OpenCV cannot read frames from ${name} (no backend for it, or not a video)`);
  }
  let pending: Mat | undefined = first;
  return {
    fps: fps > 0 && fps < 1000 ? fps : undefined,
    frameCount: !live && count > 0 ? Math.round(count) : undefined,
    live,
    async next() {
      if (pending) {
        const mat = pending;
        pending = undefined;
        return mat;
      }
      if (ended) return undefined;
      const mat = await cap.readAsync();
      if (mat.empty) {
        ended = true;
        return undefined;
      }
      return mat;
    },
    release: () => cap.release(),
  };
}

function folder(cv: OpenCv, dir: string): VideoSource {
  const files = readdirSync(dir).filter((f) => JPEG.test(f)).sort();
  if (files.length === 0) throw new Error(`no .jpg/.jpeg files in ${dir}`);
  let i = 0;
  return {
    fps: undefined,
    frameCount: files.length,
    live: false,
    async next() {
      if (i >= files.length) return undefined;
      return cv.imdecodeAsync(readFileSync(path.join(dir, files[i++])));
    },
    release: () => undefined,
  };
}
