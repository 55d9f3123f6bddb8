/**
 * The program `npm run test:leak` runs under valgrind memcheck (test/sanitizers/run-leak.sh): the engine,
 * through the pipeline service, with no other native module loaded.
 *
 * Why not the AVA test files: they load @u4/opencv4nodejs to make their inputs, and it links every OpenCV
 * module; through videoio -> libavcodec -> libjxl it loads libhwy, whose start-up code runs RDTSCP, an
 * instruction valgrind 3.19 (Debian 12) does not implement: every test process died with SIGILL before its
 * first test. framewire.node links only core, imgproc, dnn, objdetect and their dependencies, none of which
 * loads libhwy. The frames are written beforehand, outside valgrind, by leak-inputs.ts.
 *
 * Every frame in INPUT_DIR goes through the first loaded pipeline (`detect_fast` by default) `--rounds` times
 * (the header walk, the decoder's refusals and warnings, the detector); every-pipeline-vtest.jpg goes through
 * every loaded pipeline (run-leak.sh loads the ones LEAK_PIPELINES names). A per-frame leak would show as
 * definitely lost blocks growing with the frame count. Exits 1 if a call rejects (frame failures are
 * values, never rejections) or if no frame got a result.
 *
 *   node dist/test/sanitizers/leak-driver.js INPUT_DIR [--rounds 2]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { loadConfig } from '../../src/config';
import { FramewireError } from '../../src/errors';
import { readManifest } from '../../src/models/manifest';
import { VideoFilePipelineService } from '../../src/services/pipeline';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '2' } } });
const dir = positionals[0];
if (!dir) throw new Error('usage: leak-driver.js INPUT_DIR [--rounds N]');

async function drive(): Promise<void> {
  const service = await VideoFilePipelineService.create(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), readManifest());
  const pipelines = service.describe().map((p) => p.id);
  const main = pipelines[0];
  console.log(`leak-driver: loading ${pipelines.join(', ')} (${Math.round(performance.now() / 1000)} s)`);
  await service.load();
  const frames = readdirSync(dir).sort().map((name) => ({ name, bytes: readFileSync(path.join(dir, name)) }));
  const counts = { results: 0, refused: 0 };
  const codes = new Map<string, number>();
  const run = async (pipeline: string, bytes: Buffer): Promise<void> => {
    const outcome = await service.runFrame(pipeline, bytes);
    if (outcome instanceof FramewireError) {
      counts.refused += 1;
      codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
    } else counts.results += 1;
  };
  console.log(`leak-driver: models loaded (${Math.round(performance.now() / 1000)} s); ${frames.length} frames x ${values.rounds} rounds`);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [k, frame] of frames.entries()) {
      await run(main, frame.bytes);
      if (k % 25 === 24) console.log(`leak-driver: round ${round + 1}, ${k + 1} frames (${Math.round(performance.now() / 1000)} s)`);
    }
  }
  const everyPipeline = frames.find((f) => f.name === 'every-pipeline-vtest.jpg');
  if (!everyPipeline) throw new Error('every-pipeline-vtest.jpg missing: write the inputs with leak-inputs.js');
  for (const id of pipelines) await run(id, everyPipeline.bytes);
  console.log(`leak-driver: ${frames.length} frames x ${values.rounds} rounds on ${main}, and one frame on ${pipelines.length} pipelines (${pipelines.join(', ')}): ${counts.results} results, ${counts.refused} refused (${[...codes].map(([c, n]) => `${c} x${n}`).join(', ')})`);
  if (counts.results === 0) process.exitCode = 1;
}

drive().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exitCode = 1;
});
