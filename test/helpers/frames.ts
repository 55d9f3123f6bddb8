/** vtest.avi frames as JPEG q90, decoded once per test process. */
import { videoFramesAsJpeg } from './media';

let cache: Buffer[] | undefined;

export function vtestFrames(count = 60): Buffer[] {
  if (!cache || cache.length < count) cache = videoFramesAsJpeg('vtest.avi', 0, count);
  return cache.slice(0, count);
}
