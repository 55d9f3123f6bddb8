/** StreamSession alone (per-session state and the slow-down policy), with a fake clock. */
import test from 'ava';

import { StreamSession, type SessionPolicy } from '../src/services/streaming';

function fixture(policy: Partial<SessionPolicy> = {}) {
  let now = 1000;
  const full: SessionPolicy = { maxFrameAgeMs: 1000, slowDownWindow: 30, slowDownDropRate: 0.5, slowDownIntervalMs: 1000, ...policy };
  const session = (pipelineId = 'detect'): StreamSession => new StreamSession('s-1', pipelineId, () => now, full);
  return { session, advance: (ms: number) => (now += ms), now: () => now };
}

test('a new session is open, idle, with its ids and start time from the clock', (t) => {
  const { session, now } = fixture();
  const s = session('faces');
  t.is(s.sessionId, 's-1');
  t.is(s.pipelineId, 'faces');
  t.is(s.startedAt, now());
  t.is(s.state, 'open');
  t.true(s.idle);
  t.is(s.receivedFrames, 0);
  t.is(s.backpressureState, 'normal');
  t.is(s.dropRate(), 0);
  t.is(s.completionRate(), undefined);
});

test('frame indexes count every frame from 0', (t) => {
  const s = fixture().session();
  t.deepEqual([s.nextFrameIndex(), s.nextFrameIndex(), s.nextFrameIndex()], [0, 1, 2]);
  t.is(s.receivedFrames, 3);
});

test('idle means nothing waiting and nothing in flight', (t) => {
  const s = fixture().session();
  s.waiting = { index: 0, bytes: Buffer.alloc(0), receivedAt: 0 };
  t.false(s.idle);
  s.waiting = undefined;
  s.inFlight = true;
  t.false(s.idle);
  s.inFlight = false;
  t.true(s.idle);
});

test('drops are counted by cause and the state moves normal -> dropping -> slow_down', (t) => {
  const { session, advance } = fixture({ slowDownWindow: 4 });
  const s = session();
  t.is(s.backpressureState, 'normal');
  s.markProcessed(20);
  t.is(s.backpressureState, 'normal');
  s.markDrop('superseded');
  t.is(s.backpressureState, 'dropping', 'a drop, window not full');
  advance(10);
  s.markDrop('stale');
  s.markDrop('superseded');
  t.is(s.dropRate(), 0.75);
  t.is(s.backpressureState, 'slow_down');
  t.deepEqual(s.droppedFrames, { superseded: 2, stale: 1, shutdown: 0 });
  t.is(s.totalDropped, 3);
  t.is(s.processedFrames, 1);
  s.markProcessed(20);
  s.markProcessed(20);
  t.is(s.dropRate(), 0.5, 'the window keeps only the last 4 outcomes');
  t.is(s.backpressureState, 'dropping', '0.5 does not exceed 0.5');
});

test('the drop-rate window slides: old drops leave it, and a full window of completions is back to normal', (t) => {
  const s = fixture({ slowDownWindow: 3 }).session();
  s.markDrop('superseded');
  s.markDrop('superseded');
  s.markDrop('shutdown');
  t.is(s.dropRate(), 1);
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) {
    s.markProcessed(10);
    rates.push(Number(s.dropRate().toFixed(4)));
  }
  t.deepEqual(rates, [0.6667, 0.3333, 0]);
  t.is(s.backpressureState, 'normal');
  s.markDrop('stale');
  t.is(Number(s.dropRate().toFixed(4)), 0.3333, 'one drop among the last three');
  t.is(s.totalDropped, 4, 'the lifetime counters do not slide');
  t.is(s.processedFrames, 3);
});

test('a pipeline failure completes a frame: counted apart, and not a drop', (t) => {
  const s = fixture({ slowDownWindow: 2 }).session();
  s.markFailed();
  s.markFailed();
  t.is(s.failedFrames, 2);
  t.is(s.processedFrames, 0);
  t.is(s.dropRate(), 0);
  t.is(s.backpressureState, 'normal');
  s.markDrop('superseded');
  t.is(s.dropRate(), 0.5);
});

test('isStale says stale past the age limit, not before', (t) => {
  const { session, advance, now } = fixture({ maxFrameAgeMs: 1000 });
  const s = session();
  const received = now();
  advance(1000);
  t.false(s.isStale(received));
  advance(1);
  t.true(s.isStale(received));
});

test('slow_down: only with a full window over the rate, at most once per interval, with the completion rate', (t) => {
  const { session, advance } = fixture({ slowDownWindow: 10, slowDownIntervalMs: 1000 });
  const s = session();
  // 3 completions 100 ms apart, each taking 20 ms of engine time, and 7 drops.
  for (let i = 0; i < 3; i++) {
    s.markProcessed(20);
    t.is(s.takeSlowDownWarning(), undefined, 'window not full yet');
    advance(100);
  }
  for (let i = 0; i < 6; i++) s.markDrop('superseded');
  t.is(s.takeSlowDownWarning(), undefined, '9 outcomes: window of 10 not full');
  s.markDrop('superseded');
  const warning = s.takeSlowDownWarning();
  t.deepEqual(warning, { drop_rate: 0.7, suggested_fps: 10 }, '2 intervals of 100 ms between 3 completions');
  s.markDrop('superseded');
  t.is(s.takeSlowDownWarning(), undefined, 'rate-limited');
  advance(999);
  t.is(s.takeSlowDownWarning(), undefined, 'still inside the interval');
  advance(1);
  t.truthy(s.takeSlowDownWarning());
});

test('slow_down is never suggested faster than one frame per processing time, and not without a completion', (t) => {
  const { session, advance } = fixture({ slowDownWindow: 4 });
  const burst = session();
  for (let i = 0; i < 4; i++) burst.markDrop('superseded');
  t.is(burst.backpressureState, 'slow_down');
  t.is(burst.takeSlowDownWarning(), undefined, 'no completion: no rate to suggest');
  burst.markProcessed(40);
  t.deepEqual(burst.takeSlowDownWarning(), { drop_rate: 0.75, suggested_fps: 25 });

  const fast = session();
  fast.markProcessed(50);
  advance(1);
  fast.markProcessed(50); // two completions 1 ms apart cannot mean 1000 fps
  fast.markDrop('superseded');
  fast.markDrop('superseded');
  fast.markDrop('superseded');
  t.is(fast.takeSlowDownWarning()?.suggested_fps, 20);
});

test('completionRate: from the spacing of the completions in the window, capped by the mean processing time', (t) => {
  const { session, advance } = fixture({ slowDownWindow: 5 });
  const s = session();
  t.is(s.completionRate(), undefined, 'nothing completed');
  s.markProcessed(10);
  t.is(s.completionRate(), 100, 'one completion: one frame per mean processing time');
  advance(250);
  s.markDrop('superseded');
  advance(250);
  s.markProcessed(10);
  t.is(s.completionRate(), 2, 'two completions 500 ms apart');
  t.is(s.meanProcessingMs(), 10);
  advance(200);
  s.markProcessed(30);
  t.is(s.completionRate(), 2000 / 700, 'completions at 0, 500 and 700 ms: 2 intervals over 700 ms');
  s.markDrop('stale');
  s.markDrop('stale'); // a sixth outcome: the completion at 0 ms slides out of the window of 5
  t.is(s.completionRate(), 5, 'one interval of 200 ms');
  s.markDrop('stale');
  s.markDrop('stale'); // only the completion at 700 ms is left: its rate is capped by the mean of 10, 10 and 30 ms
  t.is(s.completionRate(), 1000 / (50 / 3));
});

test('a paced session never reaches slow_down', (t) => {
  const { session, advance } = fixture();
  const s = session();
  for (let i = 0; i < 100; i++) {
    s.markProcessed(15);
    advance(100);
    t.is(s.takeSlowDownWarning(), undefined);
  }
  t.is(s.backpressureState, 'normal');
});
