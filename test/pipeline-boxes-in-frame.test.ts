/**
 * Boxes are in the pixels of the frame sent (README, docs/http-api.md): a model's box that hangs over an edge
 * is cut at it, and landmarks lie on the frame. vtest.avi has people walking in and out at the edges, and the
 * class-wise NMS must not let a box off the top-left reach another class.
 */
import test from 'ava';

import type { VideoFilePipelineService } from '../src/services/pipeline';
import { videoFramesAsJpeg } from './helpers/media';
import { loadedService } from './helpers/service';

let service: VideoFilePipelineService;
test.before(async () => {
  service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '2' });
});

const frames = videoFramesAsJpeg('vtest.avi', 0, 795).filter((_f, i) => i % 8 === 0); // 100 frames across the clip

for (const pipeline of ['detect', 'detect_fast', 'detect_accurate', 'people_faces']) {
  test(`${pipeline}: every box of 100 vtest frames lies inside the 768x576 frame, with whole-pixel edges`, async (t) => {
    let boxes = 0;
    let atAnEdge = 0;
    for (const frame of frames) {
      const result = await service.runOnFrame(pipeline, frame);
      const { width, height } = result.image;
      const shapes: { box: typeof result.image & { x: number; y: number }; landmarks?: [number, number][] }[] = [...(result.detections ?? []).map((d) => ({ box: d.box })), ...(result.faces ?? [])];
      for (const { box, landmarks } of shapes) {
        boxes += 1;
        if (box.x === 0 || box.y === 0 || box.x + box.width === width || box.y + box.height === height) atAnEdge += 1;
        t.true(Number.isInteger(box.x) && Number.isInteger(box.y) && Number.isInteger(box.width) && Number.isInteger(box.height), JSON.stringify(box));
        t.true(box.x >= 0 && box.y >= 0 && box.width > 0 && box.height > 0 && box.x + box.width <= width && box.y + box.height <= height, JSON.stringify(box));
        for (const [x, y] of landmarks ?? []) t.true(x >= 0 && x < width && y >= 0 && y < height, `landmark ${x},${y}`);
      }
    }
    t.true(boxes > 100, `the frames have boxes to check (${boxes})`);
    t.true(atAnEdge > 0, 'some boxes were cut at an edge, so the clipping was exercised');
  });
}
