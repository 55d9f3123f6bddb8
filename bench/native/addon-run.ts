/**
 * One bench setting through the Framewire addon in process (the pipeline
 * service, no scheduler, no HTTP): node addon-run.js PIPELINE SLOTS THREADS FRAMES_DIR COUNT
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { loadConfig } from '../../src/config';
import { readManifest } from '../../src/models/manifest';
import { VideoFilePipelineService } from '../../src/services/pipeline';
import { closedLoop } from './measure';

async function main(): Promise<void> {
  const [pipeline, slots, threads, dir, count] = process.argv.slice(2);
  const frames = readdirSync(dir).sort().map((f) => readFileSync(path.join(dir, f)));
  const config = loadConfig({ ...process.env, FRAMEWIRE_WORKER_SLOTS: slots, FRAMEWIRE_OPENCV_THREADS: threads, LOG_LEVEL: 'silent' });
  const service = await VideoFilePipelineService.create(config, readManifest());
  await service.load();
  for (let i = 0; i < 5; i++) await service.runOnFrame(pipeline, frames[i % frames.length]);
  // Two submitters per slot, like the C++ loop: a slot thread finds its next frame queued in the engine.
  const report = await closedLoop(Number(count), 2 * service.slots, (i) => service.runFrame(pipeline, frames[i % frames.length]));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
