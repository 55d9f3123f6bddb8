/**
 * What the decoder refuses or leaves alone on purpose (native/core/jpeg_decoder.h), through the pipeline
 * service: progressive frames with too many scans (a CPU bomb: each scan can be a pass over every
 * coefficient for a few bytes of input), and EXIF orientation (not applied: pixels and sizes as stored).
 */
import test from 'ava';

import { FramewireError } from '../src/errors';
import type { VideoFilePipelineService } from '../src/services/pipeline';
import cv from './helpers/opencv';
import { jpegScans as scans, withExifOrientation, withRepeatedLastScan } from './helpers/jpeg-bytes';
import { readMedia } from './helpers/media';
import { loadedService } from './helpers/service';

let service: VideoFilePipelineService;
test.before(async () => {
  service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '1' });
});

const messi = cv.imdecode(readMedia('messi5.jpg'));
const progressive = cv.imencode('.jpg', messi, [cv.IMWRITE_JPEG_QUALITY, 90, cv.IMWRITE_JPEG_PROGRESSIVE, 1]);

test('a progressive frame decodes; with its last scan repeated past 100 scans it is invalid_frame "too many scans"', async (t) => {
  const ok = await service.runOnFrame('detect', progressive);
  t.true(ok.detections!.some((d) => d.label === 'person'));
  const under = withRepeatedLastScan(progressive, 100 - scans(progressive));
  t.is(scans(under), 100);
  t.is((await service.runOnFrame('detect', under)).image.width, 548, 'exactly 100 scans is still decoded');
  const bomb = withRepeatedLastScan(progressive, 101 - scans(progressive) + 20);
  t.is(scans(bomb), 121);
  const error = await t.throwsAsync(service.runOnFrame('detect', bomb), { instanceOf: FramewireError });
  t.is(error?.code, 'invalid_frame');
  t.regex(error!.detail, /too many scans/);
  t.true((await service.runOnFrame('detect', readMedia('messi5.jpg'))).detections!.length > 0, 'the slot keeps serving');
});

test('EXIF orientation is not applied: all 8 orientations give the stored size and the same boxes', async (t) => {
  const plain = await service.runOnFrame('detect', readMedia('messi5.jpg'));
  for (let orientation = 1; orientation <= 8; orientation++) {
    const result = await service.runOnFrame('detect', withExifOrientation(readMedia('messi5.jpg'), orientation));
    t.deepEqual(result.image, { width: 548, height: 342 }, `orientation ${orientation}`);
    t.deepEqual(result.detections, plain.detections, `orientation ${orientation}`);
  }
});

/**
 * The decode deadline (FRAMEWIRE_DECODE_DEADLINE_MS, checked in libjpeg's progress monitor): a flat 4000x4000
 * grey progressive frame (66 KB) with its last scan, an AC refinement scan, repeated to exactly 100 scans
 * passes the byte, pixel and scan limits, yet each refinement scan is a pass over every coefficient block:
 * 16 M pixels x 100 scans, about a second of a core here (docs/reliability.md, "Per-frame cost"). With a 50 ms
 * budget it is refused as invalid_frame "decode deadline", about 20x under its cost, and the slot goes on
 * serving: a small frame decodes within the same budget (it costs well under a millisecond).
 */
test('a frame whose decode outlasts the deadline is invalid_frame "decode deadline"; the slot keeps serving', async (t) => {
  const tight = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_DECODE_DEADLINE_MS: '50' });
  const flat = new cv.Mat(4000, 4000, cv.CV_8UC1, 128);
  const large = cv.imencode('.jpg', flat, [cv.IMWRITE_JPEG_QUALITY, 90, cv.IMWRITE_JPEG_PROGRESSIVE, 1]);
  const bomb = withRepeatedLastScan(large, 100 - scans(large));
  t.is(scans(bomb), 100, 'within the scan limit');
  const error = await t.throwsAsync(tight.runOnFrame('detect', bomb), { instanceOf: FramewireError });
  t.is(error?.code, 'invalid_frame');
  t.regex(error!.detail, /decode deadline of 50 ms exceeded/);
  const small = cv.imencode('.jpg', messi.resize(120, 192), [cv.IMWRITE_JPEG_QUALITY, 90]);
  t.deepEqual((await tight.runOnFrame('detect', small)).image, { width: 192, height: 120 });
});
