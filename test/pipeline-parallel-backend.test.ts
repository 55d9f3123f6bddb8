/**
 * The core-sharing parallel backend (native/core/parallel_backend.h): installed by the first engine, it runs
 * OpenCV's parallel loops with the same results as a lone frame, and the process-wide choice cannot be contradicted.
 * One file, one process: the backend is process-wide.
 */
import test from 'ava';

import { openCvInfo, openCvParallelStats } from '../src/native/binding';
import { videoFramesAsJpeg } from './helpers/media';
import { loadedService } from './helpers/service';

test.serial('2 slots x 2 threads: concurrent frames (helpers lent or not) equal the same frames run one at a time', async (t) => {
  const service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '2', FRAMEWIRE_OPENCV_THREADS: '2' });
  t.deepEqual(openCvInfo(), { version: '4.6.0', threads: 2, parallel: 'framewire' });
  const pipelines = ['detect', 'detect_fast', 'detect_accurate', 'faces'];
  const frames = videoFramesAsJpeg('vtest.avi', 100, 3);
  const jobs = frames.flatMap((frame) => pipelines.map((pipeline) => ({ pipeline, frame })));
  const strip = (r: { timings_ms: unknown }) => ({ ...r, timings_ms: undefined });

  // One at a time, every region of a frame may take the idle slot's core: helpers must actually be lent.
  const before = openCvParallelStats();
  const sequential = [];
  for (const job of jobs) sequential.push(strip(await service.runOnFrame(job.pipeline, job.frame)));
  const afterSequential = openCvParallelStats();
  const regions = afterSequential.regions - before.regions;
  t.true(regions > 100, 'the frames ran their parallel regions on this backend');
  // Offering is the backend's decision (a core free of slot threads), so every region of a lone frame offers
  // seats; whether a helper gets a core in time is the OS scheduler's (other test processes share the machine).
  t.true(afterSequential.offeredRegions - before.offeredRegions >= 0.9 * regions, 'a lone frame offers helpers seats in its regions');
  t.true(afterSequential.helpedRegions - before.helpedRegions > 0, 'helpers do join');
  // Both slots busy: regions mostly run on their caller alone (fewer helped, same results).
  const concurrent = await Promise.all(jobs.map(async (job) => strip(await service.runOnFrame(job.pipeline, job.frame))));

  t.deepEqual(concurrent, sequential);
  t.true(sequential.some((r) => (r as { detections?: unknown[] }).detections?.length), 'the frames have detections to compare');
});

test.serial('an engine asking for OpenCV\'s own backend after the first chose core sharing fails to load', async (t) => {
  await loadedService({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_OPENCV_THREADS: '2' });
  const error = await t.throwsAsync(loadedService({ FRAMEWIRE_CORE_SHARING: 'false' }));
  t.regex(error.message, /parallel backend is process-wide and already set to framewire, not opencv/);
  t.is(openCvInfo().parallel, 'framewire');
});
