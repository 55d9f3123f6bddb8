/** FrameScheduler alone: one in flight and one waiting per session, supersede, stale, round-robin, drain. */
import test from 'ava';

import { FrameScheduler, type DropCause, type PendingFrame } from '../src/services/streaming';

interface Deferred {
  resolve: () => void;
  promise: Promise<void>;
}

function harness(slots: number, maxAgeMs = 1000) {
  let now = 0;
  let running = 0;
  const log: string[] = [];
  const gates: Deferred[] = [];
  const scheduler = new FrameScheduler<string>(
    {
      hasCapacity: () => running < slots,
      run: (session, frame) => {
        running += 1;
        log.push(`run ${session}#${frame.index}`);
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r)).then(() => {
          running -= 1;
        });
        gates.push({ resolve, promise });
        return promise;
      },
      drop: (session, frame, cause: DropCause) => log.push(`drop ${session}#${frame.index} ${cause}`),
      isStale: (_s, receivedAt) => now - receivedAt > maxAgeMs,
    },
  );
  const frame = (index: number): PendingFrame => ({ index, bytes: Buffer.alloc(0), receivedAt: now });
  const finish = async (i: number) => {
    gates[i].resolve();
    await gates[i].promise;
    await new Promise((r) => setImmediate(r));
  };
  return { scheduler, log, frame, finish, advance: (ms: number) => (now += ms) };
}

test('the latest frame wins: one in flight, one waiting, the rest superseded', async (t) => {
  const { scheduler, log, frame, finish } = harness(1);
  scheduler.addSession('a');
  for (let i = 0; i < 5; i++) scheduler.offer('a', frame(i));
  t.deepEqual(log, ['run a#0', 'drop a#1 superseded', 'drop a#2 superseded', 'drop a#3 superseded']);
  t.is(scheduler.inFlight, 1);
  t.is(scheduler.waiting, 1);
  await finish(0);
  t.deepEqual(log.slice(4), ['run a#4']);
  t.is(scheduler.waiting, 0);
});

test('sessions take turns: a fast sender cannot starve the others', async (t) => {
  const { scheduler, log, frame, finish } = harness(1);
  for (const s of ['fast', 'slow']) scheduler.addSession(s);
  scheduler.offer('fast', frame(0));
  scheduler.offer('fast', frame(1));
  scheduler.offer('slow', frame(0));
  await finish(0); // fast#0 done: slow#0 has waited longer than fast#1
  scheduler.offer('fast', frame(2)); // supersedes fast#1
  await finish(1);
  await finish(2);
  t.deepEqual(log, ['run fast#0', 'run slow#0', 'drop fast#1 superseded', 'run fast#2']);
});

test('a waiting frame older than the limit when its turn comes is dropped as stale', async (t) => {
  const { scheduler, log, frame, finish, advance } = harness(1, 1000);
  scheduler.addSession('a');
  scheduler.offer('a', frame(0));
  scheduler.offer('a', frame(1));
  advance(1001);
  await finish(0);
  t.deepEqual(log, ['run a#0', 'drop a#1 stale']);
});

test('closeSession drops the waiting frame with the cause and resolves after the in-flight one', async (t) => {
  const { scheduler, log, frame, finish } = harness(1);
  scheduler.addSession('a');
  scheduler.offer('a', frame(0));
  scheduler.offer('a', frame(1));
  let closed = false;
  const closing = scheduler.closeSession('a', 'shutdown').then(() => (closed = true));
  t.deepEqual(log, ['run a#0', 'drop a#1 shutdown']);
  await new Promise((r) => setImmediate(r));
  t.false(closed, 'still in flight');
  await finish(0);
  await closing;
  t.is(scheduler.sessions, 0);
  scheduler.offer('a', frame(2));
  t.is(log.length, 2, 'a closed session takes no frames');
});

test('drain resolves once the accepted frames are all answered, without dropping them', async (t) => {
  const { scheduler, log, frame, finish } = harness(1);
  scheduler.addSession('a');
  scheduler.offer('a', frame(0));
  scheduler.offer('a', frame(1));
  let drained = false;
  const draining = scheduler.drain('a').then(() => (drained = true));
  await finish(0);
  t.false(drained, 'frame 1 now in flight');
  await finish(1);
  await draining;
  t.deepEqual(log, ['run a#0', 'run a#1']);
});

test('two slots run two sessions at once', (t) => {
  const { scheduler, log, frame } = harness(2);
  for (const s of ['a', 'b', 'c']) scheduler.addSession(s);
  for (const s of ['a', 'b', 'c']) scheduler.offer(s, frame(0));
  t.deepEqual(log, ['run a#0', 'run b#0']);
  t.is(scheduler.inFlight, 2);
  t.is(scheduler.waiting, 1);
});
