/** 16 concurrent frames on 2 slots: all resolve, each equal to its sequential result, never more in the engine than it holds. */
import test from 'ava';

import { FramewireError } from '../src/errors';
import type { FrameResult } from '../src/services/pipeline';
import { FrameScheduler } from '../src/services/streaming';
import { videoFramesAsJpeg } from './helpers/media';
import { loadedService } from './helpers/service';

test('16 concurrent requests through the scheduler on 2 slots equal the sequential results', async (t) => {
  const service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '2', FRAMEWIRE_OPENCV_THREADS: '1' });
  const pipelines = ['detect', 'detect_fast', 'faces', 'people_faces'];
  const frames = videoFramesAsJpeg('vtest.avi', 100, 4);
  const jobs = Array.from({ length: 16 }, (_, i) => ({ pipeline: pipelines[i % 4], frame: frames[Math.floor(i / 4)] }));
  const strip = (r: { timings_ms: unknown }) => ({ ...r, timings_ms: undefined });

  const sequential = [];
  for (const job of jobs) sequential.push(strip(await service.runOnFrame(job.pipeline, job.frame)));

  // The engine call as the server wires it, counting what is inside the engine independently of the scheduler.
  let running = 0;
  let maxRunning = 0;
  let maxInFlight = 0;
  const runFrame = service.runFrame.bind(service);
  const scheduler = new FrameScheduler(service.slots, async (pipelineId, bytes) => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    maxInFlight = Math.max(maxInFlight, scheduler.inFlight);
    try {
      return await runFrame(pipelineId, bytes);
    } finally {
      running -= 1;
    }
  });
  t.is(scheduler.capacity, 2, 'sized to the worker slots: no staging beyond them');
  const pending = jobs.map((job) => scheduler.request(job.pipeline, job.frame));
  t.is(scheduler.inFlight, 2);
  t.is(scheduler.queuedRequests, 14);
  const concurrent = await Promise.all(
    pending.map(async (outcome) => {
      const answer = await outcome;
      if (answer instanceof FramewireError) throw answer;
      return strip(JSON.parse(answer.json) as FrameResult);
    }),
  );
  t.deepEqual(concurrent, sequential);
  t.is(maxInFlight, 2, 'the engine is kept full, never over its slots');
  t.is(maxRunning, 2);
  t.is(scheduler.inFlight, 0);
  t.is(scheduler.queuedRequests, 0);
});
