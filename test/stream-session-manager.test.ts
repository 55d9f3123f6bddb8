/** SessionManager and StreamSession alone, with a fake clock. */
import test from 'ava';

import { SessionManager } from '../src/services/streaming';

function fixture(policy: Partial<{ maxFrameAgeMs: number; slowDownWindow: number; slowDownDropRate: number; slowDownIntervalMs: number }> = {}) {
  let now = 1000;
  const manager = new SessionManager(() => now, { maxFrameAgeMs: 1000, slowDownWindow: 30, slowDownDropRate: 0.5, slowDownIntervalMs: 1000, ...policy });
  return { manager, advance: (ms: number) => (now += ms), now: () => now };
}

test('sessions get UUIDv4 ids and are created, found, counted and destroyed', (t) => {
  const { manager } = fixture();
  const a = manager.create('detect');
  const b = manager.create('faces');
  t.regex(a.sessionId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(a.sessionId, b.sessionId);
  t.is(manager.count, 2);
  t.is(manager.get(a.sessionId), a);
  t.true(manager.destroy(a.sessionId));
  t.false(manager.destroy(a.sessionId));
  t.is(manager.count, 1);
  t.deepEqual(manager.all(), [b]);
});

test('frame indexes count every frame from 0', (t) => {
  const s = fixture().manager.create('detect');
  t.deepEqual([s.incrementFrame(), s.incrementFrame(), s.incrementFrame()], [0, 1, 2]);
  t.is(s.receivedFrames, 3);
});

test('drops are counted by cause and the state moves normal -> dropping -> slow_down', (t) => {
  const { manager, advance } = fixture({ slowDownWindow: 4 });
  const s = manager.create('detect');
  t.is(s.backpressureState, 'normal');
  s.recordProcessingTime(20);
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
  s.recordProcessingTime(20);
  s.recordProcessingTime(20);
  t.is(s.dropRate(), 0.5, 'the window keeps only the last 4 outcomes');
  t.is(s.backpressureState, 'dropping', '0.5 does not exceed 0.5');
});

test('shouldDropFrame says stale past the age limit, not before', (t) => {
  const { manager, advance, now } = fixture({ maxFrameAgeMs: 1000 });
  const s = manager.create('detect');
  const received = now();
  advance(1000);
  t.false(s.shouldDropFrame(received));
  advance(1);
  t.true(s.shouldDropFrame(received));
});

test('slow_down: only with a full window over the rate, at most once per interval, with the completion rate', (t) => {
  const { manager, advance } = fixture({ slowDownWindow: 10, slowDownIntervalMs: 1000 });
  const s = manager.create('detect');
  // 3 completions 100 ms apart, each taking 20 ms of engine time, and 7 drops.
  for (let i = 0; i < 3; i++) {
    s.recordProcessingTime(20);
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
  advance(1000);
  t.truthy(s.takeSlowDownWarning());
});

test('slow_down is never suggested faster than one frame per processing time, and not without a completion', (t) => {
  const { manager, advance } = fixture({ slowDownWindow: 4 });
  const burst = manager.create('detect');
  for (let i = 0; i < 4; i++) burst.markDrop('superseded');
  t.is(burst.takeSlowDownWarning(), undefined, 'no completion: no rate to suggest');
  burst.recordProcessingTime(40);
  t.deepEqual(burst.takeSlowDownWarning(), { drop_rate: 0.75, suggested_fps: 25 });

  const fast = manager.create('detect');
  fast.recordProcessingTime(50);
  advance(1);
  fast.recordProcessingTime(50); // two completions 1 ms apart cannot mean 1000 fps
  fast.markDrop('superseded');
  fast.markDrop('superseded');
  fast.markDrop('superseded');
  t.is(fast.takeSlowDownWarning()?.suggested_fps, 20);
});

test('a paced session never reaches slow_down', (t) => {
  const { manager, advance } = fixture();
  const s = manager.create('detect');
  for (let i = 0; i < 100; i++) {
    s.recordProcessingTime(15);
    advance(100);
    t.is(s.takeSlowDownWarning(), undefined);
  }
  t.is(s.backpressureState, 'normal');
});
