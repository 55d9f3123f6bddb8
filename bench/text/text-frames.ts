/**
 * ms per frame of the text pipelines through the addon (one native call per frame), for the frames:
 * the sample pages (JPEG q90), a 768x576 street frame (vtest.avi, no text) and the book covers (left.jpg).
 * Each setting is its own engine; the frames take turns within every round, and the figures are medians over
 * the rounds. Run after `npm run build` and `npm run models`:
 *   node dist/bench/text/text-frames.js [ROUNDS]
 */
import { loadConfig } from '../../src/config';
import { readManifest } from '../../src/models/manifest';
import { VideoFilePipelineService, type FrameResult } from '../../src/services/pipeline';
import { imageAsJpeg, readMedia, videoFramesAsJpeg } from '../../test/helpers/media';

const rounds = Number(process.argv[2] ?? 10);
const frames: [string, string, Buffer][] = [
  ['text', 'imageTextN.png 556x257', imageAsJpeg('imageTextN.png')],
  ['text', 'imageTextR.png 556x323', imageAsJpeg('imageTextR.png')],
  ['text', 'vtest.avi frame 100, 768x576', videoFramesAsJpeg('vtest.avi', 100, 1)[0]],
  ['text', 'left.jpg 612x459', readMedia('left.jpg')],
  ['objects_text', 'left.jpg 612x459', readMedia('left.jpg')],
  ['objects_text', 'vtest.avi frame 100, 768x576', videoFramesAsJpeg('vtest.avi', 100, 1)[0]],
];

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main(): Promise<void> {
  for (const threads of ['1', '2']) {
    const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_OPENCV_THREADS: threads });
    const service = await VideoFilePipelineService.create(config, readManifest());
    await service.load();
    const times = frames.map(() => ({ total: [] as number[], inference: [] as number[], lines: 0 }));
    for (const [pipeline, , jpeg] of frames) await service.runOnFrame(pipeline, jpeg); // warm
    for (let round = 0; round < rounds; round++) {
      for (const [i, [pipeline, , jpeg]] of frames.entries()) {
        const r: FrameResult = await service.runOnFrame(pipeline, jpeg);
        times[i].total.push(r.timings_ms.total);
        times[i].inference.push(r.timings_ms.inference);
        times[i].lines = r.texts?.length ?? 0;
      }
    }
    process.stdout.write(`\n1 slot x ${threads} OpenCV thread(s), OMP_THREAD_LIMIT=${process.env.OMP_THREAD_LIMIT ?? '(set by binding)'}, ${rounds} rounds\n`);
    for (const [i, [pipeline, name]] of frames.entries()) {
      process.stdout.write(`  ${pipeline.padEnd(13)} ${name.padEnd(30)} ${String(times[i].lines).padStart(2)} lines  total p50 ${median(times[i].total).toFixed(1)} ms (min ${Math.min(...times[i].total).toFixed(1)}, max ${Math.max(...times[i].total).toFixed(1)})\n`);
    }
  }
  process.exit(0);
}

void main();
