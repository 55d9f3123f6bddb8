/** 16 concurrent frames on 2 slots: all resolve, each equal to its sequential result, never more in the engine than it holds. */
import test from 'ava';

import { videoFramesAsJpeg } from './helpers/media';
import { loadedService } from './helpers/service';

test('16 concurrent runOnFrame calls on 2 slots equal the sequential results', async (t) => {
  const service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '2', FRAMEWIRE_OPENCV_THREADS: '1' });
  const pipelines = ['detect', 'detect_fast', 'faces', 'people_faces'];
  const frames = videoFramesAsJpeg('vtest.avi', 100, 4);
  const jobs = Array.from({ length: 16 }, (_, i) => ({ pipeline: pipelines[i % 4], frame: frames[Math.floor(i / 4)] }));
  const strip = (r: { timings_ms: unknown }) => ({ ...r, timings_ms: undefined });

  const sequential = [];
  for (const job of jobs) sequential.push(strip(await service.runOnFrame(job.pipeline, job.frame)));

  let maxInFlight = 0;
  const concurrent = await Promise.all(
    jobs.map(async (job) => {
      const pending = service.runOnFrame(job.pipeline, job.frame);
      maxInFlight = Math.max(maxInFlight, service.limiter.inFlight);
      return strip(await pending);
    }),
  );
  t.deepEqual(concurrent, sequential);
  t.is(maxInFlight, service.limiter.capacity, 'the engine is kept full: one running and one staged frame per slot');
  t.is(service.limiter.capacity, 4);
  t.is(service.limiter.inFlight, 0);
  t.is(service.limiter.queued, 0);
});
