/**
 * What the decoder refuses or leaves alone on purpose (native/core/jpeg_decoder.h), through the pipeline
 * service: progressive frames with too many scans (a CPU bomb: each scan can be a pass over every
 * coefficient for a few bytes of input), and EXIF orientation (not applied: pixels and sizes as stored).
 */
import test from 'ava';

import { FramewireError } from '../src/errors';
import type { VideoFilePipelineService } from '../src/services/pipeline';
import cv from './helpers/opencv';
import { readMedia } from './helpers/media';
import { loadedService } from './helpers/service';

let service: VideoFilePipelineService;
test.before(async () => {
  service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '1' });
});

const messi = cv.imdecode(readMedia('messi5.jpg'));
const progressive = cv.imencode('.jpg', messi, [cv.IMWRITE_JPEG_QUALITY, 90, cv.IMWRITE_JPEG_PROGRESSIVE, 1]);

/** The frame with its last scan (SOS header and entropy-coded data) repeated `times` more before EOI. */
function withRepeatedLastScan(jpeg: Buffer, times: number): Buffer {
  const lastScan = jpeg.lastIndexOf(Buffer.from([0xff, 0xda])); // FF DA cannot occur inside entropy-coded data (FF is stuffed)
  const scan = jpeg.subarray(lastScan, jpeg.length - 2);
  return Buffer.concat([jpeg.subarray(0, jpeg.length - 2), ...Array.from({ length: times }, () => scan), Buffer.from([0xff, 0xd9])]);
}

function scans(jpeg: Buffer): number {
  let n = 0;
  for (let i = jpeg.indexOf(Buffer.from([0xff, 0xda])); i >= 0; i = jpeg.indexOf(Buffer.from([0xff, 0xda]), i + 2)) n++;
  return n;
}

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

/** The frame with an EXIF APP1 segment right after SOI that says Orientation = `orientation`. */
function withExifOrientation(jpeg: Buffer, orientation: number): Buffer {
  // TIFF header (little endian), one IFD entry: tag 0x0112 Orientation, type SHORT, count 1, value.
  const tiff = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, orientation, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

test('EXIF orientation is not applied: all 8 orientations give the stored size and the same boxes', async (t) => {
  const plain = await service.runOnFrame('detect', readMedia('messi5.jpg'));
  for (let orientation = 1; orientation <= 8; orientation++) {
    const result = await service.runOnFrame('detect', withExifOrientation(readMedia('messi5.jpg'), orientation));
    t.deepEqual(result.image, { width: 548, height: 342 }, `orientation ${orientation}`);
    t.deepEqual(result.detections, plain.detections, `orientation ${orientation}`);
  }
});
