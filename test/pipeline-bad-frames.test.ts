/** Bad calls and expected failures: every one is a typed error, and the service keeps serving. */
import test from 'ava';

import { FramewireError } from '../src/errors';
import { readManifest } from '../src/models/manifest';
import { VideoFilePipelineService } from '../src/services/pipeline';
import { jpegHeaderOnly, jpegMarkersRandomBody, pseudoRandom } from './helpers/jpeg-bytes';
import { encodeJpeg, imageAsJpeg, readMedia } from './helpers/media';
import cv from './helpers/opencv';
import { loadedService, testConfig } from './helpers/service';

let service: VideoFilePipelineService;
test.before(async () => {
  service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '1' });
});

const messi = readMedia('messi5.jpg');
const cases: [string, Buffer, RegExp][] = [
  ['an empty buffer', Buffer.alloc(0), /start-of-image/],
  ['random bytes', pseudoRandom(4096, 3), /start-of-image/],
  ['a truncated JPEG', messi.subarray(0, Math.floor(messi.length / 2)), /truncated/],
  ['PNG bytes', readMedia('basketball1.png'), /start-of-image/],
  ['a header declaring 60000x60000', jpegHeaderOnly(60000, 60000), /3600000000 pixels, over the limit/],
  ['JPEG markers around a random body', jpegMarkersRandomBody(2048), /decoder rejected/],
  ['SOI then EOI only', Buffer.from([0xff, 0xd8, 0xff, 0xd9]), /ends before a frame header/],
];

for (const [name, bytes, detail] of cases) {
  test(`${name} is invalid_frame, and the next good frame still works`, async (t) => {
    const error = await t.throwsAsync(service.runOnFrame('detect', bytes), { instanceOf: FramewireError });
    t.is(error?.code, 'invalid_frame');
    t.regex(error!.detail, detail);
    const ok = await service.runOnFrame('detect', messi);
    t.true(ok.detections!.length > 0);
  });
}

// Issue 9, defect 3: YuNet threw on frames under about 64 px a side or very thin ones ("total(os[i]) > 0"),
// and they were answered pipeline_failure (HTTP 500). Every pipeline now answers them, with what it found.
for (const [width, height] of [[1, 1], [16, 16], [63, 47], [2000, 1], [1, 2000], [640, 2], [4000, 9]]) {
  test(`a ${width}x${height} frame is answered by every pipeline, never an error`, async (t) => {
    const frame = encodeJpeg(new cv.Mat(height, width, cv.CV_8UC3, [128, 128, 128]));
    for (const pipeline of ['detect', 'detect_fast', 'detect_accurate', 'faces', 'people_faces', 'text', 'objects_text']) {
      const result = await service.runOnFrame(pipeline, frame);
      t.deepEqual(result.image, { width, height }, pipeline);
      t.deepEqual([...(result.detections ?? []), ...(result.faces ?? []), ...(result.texts ?? [])], [], `${pipeline}: a flat grey frame holds nothing`);
    }
  });
}

test('faces still finds faces after a tiny frame', async (t) => {
  await service.runOnFrame('faces', encodeJpeg(new cv.Mat(16, 16, cv.CV_8UC3, [128, 128, 128])));
  t.true((await service.runOnFrame('faces', imageAsJpeg('basketball1.png'))).faces!.length >= 1);
});

test('an unknown pipeline is invalid_pipeline', async (t) => {
  const error = await t.throwsAsync(service.runOnFrame('no_such_pipeline', messi), { instanceOf: FramewireError });
  t.is(error?.code, 'invalid_pipeline');
});

test('a frame over the byte limit is frame_too_large, checked before decoding', async (t) => {
  // messi5.jpg is 72937 bytes.
  // The service's bound is the larger of the HTTP and stream limits: lower both.
  const small = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_MAX_FRAME_BYTES: '65536', STREAM_MAX_FRAME_SIZE_MB: '0.0625' });
  const error = await t.throwsAsync(small.runOnFrame('detect', messi), { instanceOf: FramewireError });
  t.is(error?.code, 'frame_too_large');
});

test('a frame over the pixel limit is refused from its header', async (t) => {
  const strict = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_MAX_FRAME_PIXELS: '100000' });
  const error = await t.throwsAsync(strict.runOnFrame('detect', messi), { instanceOf: FramewireError });
  t.is(error?.code, 'invalid_frame');
  t.regex(error!.detail, /548x342 = 187416 pixels, over the limit of 100000/);
});

test('frames before load() are not_ready', async (t) => {
  const unloaded = await VideoFilePipelineService.create(testConfig({ FRAMEWIRE_WORKER_SLOTS: '1' }), readManifest());
  const error = await t.throwsAsync(unloaded.runOnFrame('detect', messi), { instanceOf: FramewireError });
  t.is(error?.code, 'not_ready');
});
