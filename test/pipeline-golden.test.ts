/** Golden outputs: real models on real media give the known answers. */
import test from 'ava';

import type { VideoFilePipelineService } from '../src/services/pipeline';
import { imageAsJpeg, readMedia, resizedJpeg, videoFramesAsJpeg } from './helpers/media';
import { iou, loadedService } from './helpers/service';

let service: VideoFilePipelineService;
test.before(async () => {
  service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '2', FRAMEWIRE_OPENCV_THREADS: '1' });
});

const MESSI_PERSON = { x: 162, y: 75, width: 289, height: 268 };

test('detect finds the footballer in messi5.jpg', async (t) => {
  const result = await service.runOnFrame('detect', readMedia('messi5.jpg'));
  t.is(result.pipeline_id, 'detect');
  t.deepEqual(result.image, { width: 548, height: 342 });
  t.false('faces' in result, 'a detector-only pipeline has no faces key');
  const footballer = result.detections?.find((d) => d.label === 'person' && d.score > 0.8 && iou(d.box, MESSI_PERSON) > 0.5);
  t.truthy(footballer, JSON.stringify(result.detections));
  t.is(footballer?.class_id, 0);
  for (const key of ['decode', 'inference', 'postprocess', 'total'] as const) t.true(result.timings_ms[key] >= 0);
  t.true(result.timings_ms.total >= result.timings_ms.inference);
});

test('detect_accurate (YOLOX) finds a person and a sports ball in messi5.jpg', async (t) => {
  const result = await service.runOnFrame('detect_accurate', readMedia('messi5.jpg'));
  const labels = new Set(result.detections?.map((d) => d.label));
  t.true(labels.has('person'));
  t.true(labels.has('sports ball'));
  const ball = result.detections?.find((d) => d.label === 'sports ball');
  // The ball sits at about (336..387, 287..336) in the photo.
  t.true(iou(ball!.box, { x: 336, y: 287, width: 51, height: 49 }) > 0.5, JSON.stringify(ball));
});

test('detect_fast finds the footballer too', async (t) => {
  const result = await service.runOnFrame('detect_fast', readMedia('messi5.jpg'));
  t.true(result.detections!.some((d) => d.label === 'person' && iou(d.box, MESSI_PERSON) > 0.5));
});

test('basketball1 (PNG encoded to JPEG) gives two persons', async (t) => {
  const result = await service.runOnFrame('detect', imageAsJpeg('basketball1.png'));
  const persons = result.detections!.filter((d) => d.label === 'person' && d.score > 0.5);
  t.is(persons.length, 2, JSON.stringify(result.detections));
});

test('a Megamind.avi frame gives one face with five landmarks inside its box', async (t) => {
  // Frames 100-150 show one face near (400,100), 150-170 px (shared/media/README.md); 0-95 show two.
  const [frame] = videoFramesAsJpeg('Megamind.avi', 110, 1);
  const result = await service.runOnFrame('faces', frame);
  t.false('detections' in result);
  t.is(result.faces?.length, 1, JSON.stringify(result.faces));
  const face = result.faces![0];
  t.true(face.score > 0.6);
  t.true(face.box.x > 370 && face.box.x < 440 && face.box.y > 60 && face.box.y < 150, JSON.stringify(face.box));
  t.true(face.box.width > 120 && face.box.width < 200, JSON.stringify(face.box));
  t.is(face.landmarks.length, 5);
  for (const [x, y] of face.landmarks) {
    t.true(x >= face.box.x && x <= face.box.x + face.box.width && y >= face.box.y && y <= face.box.y + face.box.height);
  }
});

test('people_faces on basketball1 gives persons only, and faces, from one call', async (t) => {
  const result = await service.runOnFrame('people_faces', imageAsJpeg('basketball1.png'));
  t.true(result.detections!.length >= 2);
  t.true(result.detections!.every((d) => d.label === 'person'), 'the class filter keeps persons only');
  t.true(result.faces!.length >= 1, JSON.stringify(result.faces));
});

test('vtest.avi frames show pedestrians', async (t) => {
  const frames = videoFramesAsJpeg('vtest.avi', 0, 3);
  for (const frame of frames) {
    const result = await service.runOnFrame('detect', frame);
    t.deepEqual(result.image, { width: 768, height: 576 });
    t.true(result.detections!.filter((d) => d.label === 'person').length >= 2);
  }
});

test('scaled decode reports boxes in original pixels: a 2x frame gives 2x boxes', async (t) => {
  const small = readMedia('messi5.jpg');
  const large = resizedJpeg(small, 2); // 1096x684: 320-input models decode it at 1/2
  const [a, b] = [await service.runOnFrame('detect', small), await service.runOnFrame('detect', large)];
  t.deepEqual(b.image, { width: 1096, height: 684 });
  const pa = a.detections!.find((d) => iou(d.box, MESSI_PERSON) > 0.5)!;
  const pb = b.detections!.find((d) => iou(d.box, { x: 324, y: 150, width: 578, height: 536 }) > 0.5);
  t.truthy(pb, JSON.stringify(b.detections?.slice(0, 3)));
  t.true(Math.abs(pb!.box.width - 2 * pa.box.width) < 0.1 * 2 * pa.box.width);
});
