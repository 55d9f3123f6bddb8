/** The limiter alone: slot count respected, FIFO order, counters exposed, failures release the slot. */
import test from 'ava';

import { InferenceLimiter } from '../src/services/pipeline/inference-limiter';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

test('runs at most `capacity` jobs, queues the rest in FIFO order', async (t) => {
  const limiter = new InferenceLimiter(2, 0);
  const gates = [deferred(), deferred(), deferred(), deferred()];
  const started: number[] = [];
  const runs = gates.map((g, i) => limiter.run(async () => { started.push(i); await g.promise; return i; }));
  await Promise.resolve();
  t.deepEqual(started, [0, 1]);
  t.is(limiter.inFlight, 2);
  t.is(limiter.queued, 2);
  t.false(limiter.hasCapacity());
  gates[1].resolve();
  await runs[1];
  await Promise.resolve();
  t.deepEqual(started, [0, 1, 2]);
  t.is(limiter.inFlight, 2);
  t.is(limiter.queued, 1);
  gates[0].reject(new Error('boom'));
  await t.throwsAsync(runs[0], { message: 'boom' });
  await Promise.resolve();
  t.deepEqual(started, [0, 1, 2, 3]);
  gates[2].resolve();
  gates[3].resolve();
  t.deepEqual(await Promise.all(runs.slice(2)), [2, 3]);
  t.is(limiter.inFlight, 0);
  t.true(limiter.hasCapacity());
});

test('hasIdleSlot is true only while fewer frames than slots are inside; hasCapacity counts the staged places too', async (t) => {
  const limiter = new InferenceLimiter(2, 1);
  const gates = [deferred(), deferred(), deferred()];
  const runs = gates.map((g) => limiter.run(() => g.promise));
  t.is(limiter.inFlight, 3);
  t.false(limiter.hasIdleSlot(), '3 frames inside 2 slots: one is staged');
  t.true(limiter.hasCapacity(), 'one staged place left');
  gates[0].resolve();
  gates[1].resolve();
  await Promise.all(runs.slice(0, 2));
  t.true(limiter.hasIdleSlot());
  gates[2].resolve();
  await runs[2];
});

test('notifies when room frees up', async (t) => {
  const limiter = new InferenceLimiter(1, 0);
  let freed = 0;
  limiter.onCapacityFreed(() => freed++);
  await limiter.run(async () => 1);
  t.is(freed, 1);
});

test('capacity is one running plus the staged frames per slot', (t) => {
  t.is(new InferenceLimiter(2).capacity, 4);
  t.is(new InferenceLimiter(3, 2).capacity, 9);
  t.is(new InferenceLimiter(2, 0).capacity, 2);
});

test('rejects a slot count below 1 or a negative staging depth', (t) => {
  t.throws(() => new InferenceLimiter(0), { instanceOf: RangeError });
  t.throws(() => new InferenceLimiter(1, -1), { instanceOf: RangeError });
});
