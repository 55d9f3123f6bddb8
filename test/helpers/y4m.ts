/**
 * A YUV4MPEG2 (.y4m) clip from a video, for Chromium's fake camera (--use-file-for-fake-video-capture takes .y4m
 * or .mjpeg). Written by hand: the format is a text header, then "FRAME\n" and the raw I420 planes per frame.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

import cv from './opencv';

export function writeY4m(video: string, out: string, frames: number): { width: number; height: number; fps: number } {
  const capture = new cv.VideoCapture(video);
  const fps = Math.round(capture.get(cv.CAP_PROP_FPS)) || 10;
  const fd = openSync(out, 'w');
  let size: { width: number; height: number } | undefined;
  try {
    for (let i = 0; i < frames; i++) {
      const bgr = capture.read();
      if (bgr.empty) throw new Error(`${video} has fewer than ${frames} frames`);
      if (!size) {
        size = { width: bgr.cols, height: bgr.rows };
        writeSync(fd, `YUV4MPEG2 W${bgr.cols} H${bgr.rows} F${fps}:1 Ip A1:1 C420jpeg\n`);
      }
      writeSync(fd, 'FRAME\n');
      writeSync(fd, bgr.cvtColor(cv.COLOR_BGR2YUV_I420).getData()); // Y, then U, then V (4:2:0)
    }
  } finally {
    closeSync(fd);
    capture.release();
  }
  return { ...(size as { width: number; height: number }), fps };
}
