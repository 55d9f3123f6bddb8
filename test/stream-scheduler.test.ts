/** FrameScheduler alone: capacity, pull, fair turns (round-robin for busy lanes, a waking lane joins the current round), the HTTP FIFO lane, counters, faults, refill before done. */
import test from 'ava';

import { FramewireError, INTERNAL_DETAIL } from '../src/errors';
import type { FrameAnswer, FrameOutcome } from '../src/services/pipeline';
import { FrameScheduler, type Lane } from '../src/services/streaming';

const answer = (label: string): FrameAnswer => ({ json: JSON.stringify({ label }), decodeMs: 1, inferenceMs: 2, totalMs: 3, decodeWarnings: 0 });
const describe = (outcome: FrameOutcome): string => (outcome instanceof FramewireError ? outcome.code : (JSON.parse(outcome.json) as { label: string }).label);
/** Lets every settled promise run its callbacks. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Call {
  readonly label: string;
  resolve(outcome: FrameOutcome): void;
  reject(err: unknown): void;
}

/**
 * A scheduler over a fake engine: each runFrame call waits until the test finishes it. Frames are labelled
 * by their bytes ("A#0"); `log` records, in order, every take, run and done.
 */
function harness(capacity: number, maxQueuedRequests = Infinity, maxQueueWaitMs = Infinity, maxHttpSlots = capacity) {
  const log: string[] = [];
  const calls: Call[] = [];
  let running = 0;
  let maxRunning = 0;
  const scheduler = new FrameScheduler(capacity, (_pipelineId, bytes) => {
    const label = bytes.toString();
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    log.push(`run ${label}`);
    return new Promise<FrameOutcome>((resolve, reject) => calls.push({ label, resolve, reject })).finally(() => (running -= 1));
  }, { maxQueuedRequests, maxQueueWaitMs, maxHttpSlots });
  const call = (label: string): Call => {
    const found = calls.find((c) => c.label === label);
    if (!found) throw new Error(`${label} is not running; log: ${log.join(', ')}`);
    return found;
  };
  /** Answers a running frame with a result and lets its callbacks run. */
  const finish = async (label: string): Promise<void> => {
    call(label).resolve(answer(label));
    await settle();
  };

  /**
   * A stream-like lane: frames `name#0..count-1`, at most one in flight, wakes again when its frame is done
   * (as StreamService's session lanes do). `rewakeOnTake` makes it a lane that is ready again at once.
   */
  const lane = (name: string, count: number, options: { rewakeOnTake?: boolean } = {}) => {
    let next = 0;
    const self: Lane & { offered: number } = {
      offered: count,
      take: () => {
        log.push(`take ${name}`);
        if (next >= self.offered) return undefined;
        const label = `${name}#${next++}`;
        if (options.rewakeOnTake && next < self.offered) scheduler.wake(self);
        return {
          pipelineId: name,
          bytes: Buffer.from(label),
          done: (outcome) => {
            log.push(`done ${label} ${describe(outcome)}`);
            if (!options.rewakeOnTake && next < self.offered) scheduler.wake(self);
          },
        };
      },
    };
    return self;
  };
  const request = (label: string): Promise<FrameOutcome> => scheduler.request('http', Buffer.from(label));
  const runs = (): string[] => log.filter((l) => l.startsWith('run ')).map((l) => l.slice(4));
  return { scheduler, log, calls, call, finish, lane, request, runs, maxRunning: () => maxRunning };
}

test('capacity must be a positive integer', (t) => {
  for (const bad of [0, -1, 1.5, Number.NaN]) t.throws(() => new FrameScheduler(bad, async () => answer('x')), { instanceOf: RangeError });
  t.is(new FrameScheduler(3, async () => answer('x')).capacity, 3);
  for (const bad of [0, 4, 1.5]) t.throws(() => new FrameScheduler(3, async () => answer('x'), { maxHttpSlots: bad }), { instanceOf: RangeError }, `maxHttpSlots ${bad}`);
  t.is(new FrameScheduler(3, async () => answer('x')).maxHttpSlots, 3, 'by default HTTP may use every slot');
});

test('never more than capacity frames run; a finished frame frees its slot for the next lane', async (t) => {
  const { scheduler, lane, finish, runs, maxRunning } = harness(2);
  const lanes = ['A', 'B', 'C', 'D'].map((n) => lane(n, 2));
  for (const l of lanes) scheduler.wake(l);
  t.deepEqual(runs(), ['A#0', 'B#0']);
  t.is(scheduler.inFlight, 2);
  await finish('A#0');
  t.deepEqual(runs(), ['A#0', 'B#0', 'C#0']);
  t.is(scheduler.inFlight, 2);
  for (const label of ['B#0', 'C#0', 'D#0', 'A#1', 'B#1', 'C#1', 'D#1']) await finish(label);
  t.is(runs().length, 8);
  t.is(maxRunning(), 2);
  t.is(scheduler.inFlight, 0);
});

test('lanes take turns round-robin: a lane that is ready again goes to the back', async (t) => {
  const { scheduler, lane, finish, runs } = harness(1);
  for (const n of ['A', 'B', 'C']) scheduler.wake(lane(n, 3));
  for (const label of ['A#0', 'B#0', 'C#0', 'A#1', 'B#1', 'C#1', 'A#2', 'B#2']) await finish(label);
  t.deepEqual(runs(), ['A#0', 'B#0', 'C#0', 'A#1', 'B#1', 'C#1', 'A#2', 'B#2', 'C#2']);
});

test('pull: a lane is asked for its frame only when a slot is free, once however often it woke', async (t) => {
  const { scheduler, log, lane, finish } = harness(1);
  const a = lane('A', 1);
  const b = lane('B', 1);
  scheduler.wake(a);
  scheduler.wake(b);
  scheduler.wake(b);
  scheduler.wake(b);
  t.deepEqual(log, ['take A', 'run A#0'], 'B is not asked while the slot is busy');
  await finish('A#0');
  t.deepEqual(log, ['take A', 'run A#0', 'take B', 'run B#0', 'done A#0 A#0'], 'one turn for B, asked when the slot freed');
  await finish('B#0');
  t.is(log.filter((l) => l === 'take B').length, 1);
});

test('pull: the lane hands over what it holds at take time, so it can still supersede its frame', async (t) => {
  const { scheduler, lane, finish, runs } = harness(1);
  scheduler.wake(lane('A', 1));
  const b = lane('B', 1);
  scheduler.wake(b);
  b.offered = 0; // B's frame went away (superseded into nothing, or dropped) before its turn
  const c = lane('C', 1);
  scheduler.wake(c);
  await finish('A#0');
  t.deepEqual(runs(), ['A#0', 'C#0'], 'B answered nothing: the free slot went to the next lane in the same pass');
  t.is(scheduler.inFlight, 1);
});

test('remove forgets a lane\'s turn', async (t) => {
  const { scheduler, log, lane, finish, runs } = harness(1);
  scheduler.wake(lane('A', 1));
  const b = lane('B', 1);
  scheduler.wake(b);
  scheduler.remove(b);
  await finish('A#0');
  t.deepEqual(runs(), ['A#0']);
  t.false(log.includes('take B'));
  t.is(scheduler.inFlight, 0);
});

test('HTTP requests share one FIFO lane that takes one turn per round with the stream lanes', async (t) => {
  const { scheduler, lane, request, finish, runs } = harness(1);
  scheduler.wake(lane('X', 1)); // holds the slot while everything else queues
  const requests = ['r0', 'r1', 'r2', 'r3'].map((r) => request(r));
  // Lanes that are ready again at once, so every round holds all three.
  scheduler.wake(lane('A', 3, { rewakeOnTake: true }));
  scheduler.wake(lane('B', 3, { rewakeOnTake: true }));
  t.is(scheduler.queuedRequests, 4);
  for (const label of ['X#0', 'r0', 'A#0', 'B#0', 'r1', 'A#1', 'B#1', 'r2', 'A#2', 'B#2', 'r3']) await finish(label);
  t.deepEqual(runs(), ['X#0', 'r0', 'A#0', 'B#0', 'r1', 'A#1', 'B#1', 'r2', 'A#2', 'B#2', 'r3'], 'requests in FIFO order, one per round');
  t.deepEqual((await Promise.all(requests)).map(describe), ['r0', 'r1', 'r2', 'r3']);
  t.is(scheduler.queuedRequests, 0);
});

test('a burst of HTTP requests cannot starve a stream session', async (t) => {
  const { scheduler, lane, request, call, runs } = harness(1);
  const requests = Array.from({ length: 20 }, (_, i) => request(`r${i}`));
  scheduler.wake(lane('S', 5)); // one frame in flight at a time, ready again once its answer is delivered
  for (let i = 0; i < 25; i++) {
    const running = runs()[i]; // one slot: the i-th frame to run is the one running now
    call(running).resolve(answer(running));
    await settle();
  }
  const order = runs();
  const streamAt = order.flatMap((label, i) => (label.startsWith('S#') ? [i] : []));
  t.deepEqual(streamAt.map((i) => order[i]), ['S#0', 'S#1', 'S#2', 'S#3', 'S#4']);
  // The session's next turn comes once its answer is delivered, which is after the freed slot was refilled:
  // so at most two requests run between its frames, never the whole burst.
  const gaps = streamAt.slice(1).map((at, k) => at - streamAt[k] - 1);
  t.true(streamAt[0] <= 2 && gaps.every((g) => g <= 2), order.join(' '));
  t.true(streamAt[4] < 15, 'all five stream frames ran while most of the burst still waited');
  await Promise.all(requests);
});

test('a stream frame that arrives during an HTTP burst takes the next free slot, not the one after', async (t) => {
  // Defect 15 of issue 9: with plain round-robin, the HTTP lane (served last round, ready again at once) stood
  // in line ahead of a stream that woke afterwards, so the stream waited for two frames to finish, not one.
  const { scheduler, lane, request, finish, runs } = harness(2);
  const requests = Array.from({ length: 10 }, (_, i) => request(`r${i}`));
  t.deepEqual(runs(), ['r0', 'r1'], 'the burst holds both slots');
  scheduler.wake(lane('S', 1)); // a paced stream's frame arrives: its lane was idle
  await finish('r0');
  t.deepEqual(runs(), ['r0', 'r1', 'S#0'], 'the first slot to free runs the stream frame');
  await finish('r1');
  await finish('S#0');
  t.deepEqual(runs(), ['r0', 'r1', 'S#0', 'r2', 'r3']);
  for (let i = 2; i < 10; i++) await finish(`r${i}`);
  t.deepEqual((await Promise.all(requests)).map(describe), Array.from({ length: 10 }, (_, i) => `r${i}`));
});

test('with maxHttpSlots below capacity and a stream lane open, HTTP frames never hold the last slot: a stream frame starts at once', async (t) => {
  const { scheduler, lane, request, finish, runs } = harness(2, Infinity, Infinity, 1);
  const s = lane('S', 1);
  scheduler.open(s); // a session exists before the burst
  const requests = Array.from({ length: 4 }, (_, i) => request(`r${i}`));
  t.deepEqual(runs(), ['r0'], 'the burst holds one slot, the other stays free');
  t.is(scheduler.inFlightRequests, 1);
  scheduler.wake(s); // the paced stream's frame arrives
  t.deepEqual(runs(), ['r0', 'S#0'], 'it runs at once, without waiting for r0');
  await finish('S#0');
  t.deepEqual(runs(), ['r0', 'S#0'], 'the freed slot is not given to the HTTP lane over its cap');
  await finish('r0');
  t.deepEqual(runs(), ['r0', 'S#0', 'r1']);
  for (const label of ['r1', 'r2', 'r3']) await finish(label);
  t.deepEqual((await Promise.all(requests)).map(describe), ['r0', 'r1', 'r2', 'r3'], 'every request still runs, in order');
  t.is(scheduler.inFlightRequests, 0);
  t.is(scheduler.inFlight, 0);
});

test('the HTTP slot cap applies only while a stream lane is open; the last remove lifts it at once', async (t) => {
  const { scheduler, request, finish, runs, lane } = harness(2, Infinity, Infinity, 1);
  const requests = ['r0', 'r1', 'r2', 'r3'].map((r) => request(r));
  t.deepEqual(runs(), ['r0', 'r1'], 'no stream open: both slots');
  const s = lane('S', 1);
  scheduler.open(s);
  scheduler.open(s); // once, however often
  t.is(scheduler.openStreamLanes, 1);
  scheduler.wake(s);
  await finish('r0');
  t.deepEqual(runs(), ['r0', 'r1', 'S#0'], 'a stream open: the freed slot goes to it');
  await finish('S#0');
  t.deepEqual(runs(), ['r0', 'r1', 'S#0'], 'r1 holds the one slot HTTP may have');
  scheduler.remove(s); // the session closes: the cap lifts at once
  t.deepEqual(runs(), ['r0', 'r1', 'S#0', 'r2']);
  t.is(scheduler.openStreamLanes, 0);
  scheduler.remove(s);
  t.is(scheduler.openStreamLanes, 0, 'a second remove changes nothing');
  for (const label of ['r1', 'r2', 'r3']) await finish(label);
  t.deepEqual((await Promise.all(requests)).map(describe), ['r0', 'r1', 'r2', 'r3']);
});

test('the HTTP slot cap leaves turns alone: busy stream lanes and the HTTP lane still alternate in one slot', async (t) => {
  const { scheduler, lane, request, finish, runs } = harness(2, Infinity, Infinity, 1);
  const a = lane('A', 3, { rewakeOnTake: true });
  scheduler.open(a);
  const requests = ['r0', 'r1', 'r2'].map((r) => request(r));
  scheduler.wake(a);
  t.deepEqual(runs(), ['r0', 'A#0']);
  for (const label of ['A#0', 'r0', 'A#1']) await finish(label);
  t.deepEqual(runs(), ['r0', 'A#0', 'A#1', 'r1', 'A#2'], 'A takes the slot HTTP may not; HTTP runs when its own frees');
  for (const label of ['r1', 'A#2', 'r2']) await finish(label);
  t.deepEqual((await Promise.all(requests)).map(describe), ['r0', 'r1', 'r2']);
});

test('a lane that wakes from idle joins the current round once: lanes that stay busy still alternate', async (t) => {
  const { scheduler, lane, finish, runs } = harness(1);
  scheduler.wake(lane('A', 4, { rewakeOnTake: true }));
  scheduler.wake(lane('B', 4, { rewakeOnTake: true }));
  await finish('A#0');
  scheduler.wake(lane('C', 2)); // idle until now; ready again only once its frame is done
  for (const label of ['B#0', 'C#0', 'A#1', 'B#1', 'C#1', 'A#2', 'B#2', 'A#3']) await finish(label);
  t.deepEqual(runs(), ['A#0', 'B#0', 'C#0', 'A#1', 'B#1', 'C#1', 'A#2', 'B#2', 'A#3', 'B#3']);
});

test('within a round the freshest frame goes first; lanes that do not say when their frame arrived go last', async (t) => {
  const { scheduler, lane, finish, runs } = harness(1);
  scheduler.wake(lane('X', 1)); // holds the slot while the others wake
  const since = (name: string, count: number, receivedAt: number) => Object.assign(lane(name, count), { heldSince: () => receivedAt });
  scheduler.wake(lane('N', 1)); // says nothing
  scheduler.wake(since('Old', 1, 100));
  scheduler.wake(since('New', 1, 300));
  scheduler.wake(since('Mid', 1, 200));
  for (const label of ['X#0', 'New#0', 'Mid#0', 'Old#0']) await finish(label);
  t.deepEqual(runs(), ['X#0', 'New#0', 'Mid#0', 'Old#0', 'N#0']);
});

test('freshest first never takes a second turn in a round: a lane served this round waits for the next', async (t) => {
  const { scheduler, lane, finish, runs } = harness(1);
  let clock = 0;
  // A and B are always ready again at once; A's frame is always the fresher one.
  const a = Object.assign(lane('A', 3, { rewakeOnTake: true }), { heldSince: () => clock + 1 });
  const b = Object.assign(lane('B', 3, { rewakeOnTake: true }), { heldSince: () => clock });
  scheduler.wake(a);
  scheduler.wake(b);
  for (const label of ['A#0', 'B#0', 'A#1', 'B#1', 'A#2']) {
    clock += 10;
    await finish(label);
  }
  t.deepEqual(runs(), ['A#0', 'B#0', 'A#1', 'B#1', 'A#2', 'B#2']);
});

test('inFlight and queuedRequests count the engine and the HTTP lane; a request resolves with its outcome', async (t) => {
  const { scheduler, request, finish, call } = harness(2);
  t.is(scheduler.inFlight, 0);
  t.is(scheduler.queuedRequests, 0);
  const a = request('a');
  const b = request('b');
  const c = request('c');
  t.is(scheduler.inFlight, 2);
  t.is(scheduler.queuedRequests, 1);
  call('b').resolve(new FramewireError('pipeline_failure', 'model broke'));
  await settle();
  t.is(scheduler.inFlight, 2, 'c took b\'s slot');
  t.is(scheduler.queuedRequests, 0);
  const failed = await b;
  t.true(failed instanceof FramewireError);
  t.is((failed as FramewireError).code, 'pipeline_failure', 'an error comes back as the value it was');
  await finish('a');
  await finish('c');
  t.deepEqual([describe(await a), describe(await c)], ['a', 'c']);
  t.is(scheduler.inFlight, 0);
});

test('a runFrame that rejects becomes an internal_error outcome and frees its slot', async (t) => {
  const { scheduler, lane, log, call, request, runs } = harness(1);
  scheduler.wake(lane('A', 1));
  const r = request('r0');
  call('A#0').reject(new TypeError('injected fault'));
  await settle();
  t.true(log.includes('done A#0 internal_error'), log.join(', '));
  t.deepEqual(runs(), ['A#0', 'r0'], 'the slot went to the next lane');
  call('r0').reject('not even an Error');
  const outcome = await r; // never rejects
  t.true(outcome instanceof FramewireError);
  // The client-facing detail says it was our fault; what was thrown is kept for the log.
  t.like(outcome as FramewireError, { code: 'internal_error', detail: INTERNAL_DETAIL, internalDetail: 'not even an Error' });
  t.is(scheduler.inFlight, 0);
});

test('the freed slot is refilled before the finished frame\'s done() runs', async (t) => {
  const log: string[] = [];
  const pending: (() => void)[] = [];
  const scheduler = new FrameScheduler(1, (_p, bytes) => {
    log.push(`run ${bytes.toString()}`);
    return new Promise((resolve) => pending.push(() => resolve(answer(bytes.toString()))));
  });
  let inFlightInDone = -1;
  const frame = (label: string): Lane => ({
    take: () => ({
      pipelineId: 'p',
      bytes: Buffer.from(label),
      done: () => {
        log.push(`done ${label}`);
        if (label === 'A') inFlightInDone = scheduler.inFlight;
      },
    }),
  });
  scheduler.wake(frame('A'));
  scheduler.wake(frame('B'));
  pending[0]();
  await settle();
  t.deepEqual(log, ['run A', 'run B', 'done A']);
  t.is(inFlightInDone, 1, 'B was already inside the engine when A was answered');
});

test('HTTP requests beyond maxQueuedRequests are refused at once with server_busy; the waiting ones still run', async (t) => {
  const { scheduler, request, finish, runs } = harness(1, 2);
  const running = request('r0'); // takes the slot at once
  const waiting = [request('r1'), request('r2')];
  t.is(scheduler.queuedRequests, 2);
  const refused = await request('r3');
  t.true(refused instanceof FramewireError);
  t.is((refused as FramewireError).code, 'server_busy');
  t.is(scheduler.queuedRequests, 2, 'the refused request never queued');
  await finish('r0');
  await finish('r1');
  await finish('r2');
  t.deepEqual(runs(), ['r0', 'r1', 'r2']);
  for (const outcome of [await running, ...(await Promise.all(waiting))]) t.false(outcome instanceof FramewireError);
});

test('an HTTP request still waiting at maxQueueWaitMs is answered server_busy and leaves the lane; the others run', async (t) => {
  const { scheduler, request, finish, runs } = harness(1, Infinity, 50);
  const running = request('r0'); // takes the slot, and keeps it past the wait bound
  const waiting = request('r1');
  await new Promise((r) => setTimeout(r, 120));
  const outcome = await waiting;
  t.true(outcome instanceof FramewireError);
  t.is((outcome as FramewireError).code, 'server_busy');
  t.regex((outcome as FramewireError).detail, /no slot within 50 ms/);
  t.is(scheduler.queuedRequests, 0, 'it left the lane');
  await finish('r0');
  t.false((await running) instanceof FramewireError, 'the running request is not cut');
  const next = request('r2');
  await settle();
  await finish('r2');
  t.false((await next) instanceof FramewireError, 'a request that gets its turn in time runs');
  t.deepEqual(runs(), ['r0', 'r2'], 'the expired request never ran');
});

test('reserve holds a place in the HTTP lane before the body is read; places held count against the bound', async (t) => {
  const { scheduler, finish, runs } = harness(1, 2);
  const a = scheduler.reserve();
  const b = scheduler.reserve();
  if (a instanceof FramewireError || b instanceof FramewireError) throw new Error('refused below the bound');
  const refused = scheduler.reserve();
  t.true(refused instanceof FramewireError && refused.code === 'server_busy', 'two places held: the lane is full');
  t.is(scheduler.queuedRequests, 0, 'held places are not queued requests');
  b.release();
  b.release(); // idempotent
  const c = scheduler.reserve();
  if (c instanceof FramewireError) throw new Error('a released place was not given back');
  const running = a.request('http', Buffer.from('a'));
  c.release(); // its body failed: no request
  a.release(); // after request: no effect
  await finish('a');
  t.false((await running) instanceof FramewireError);
  t.deepEqual(runs(), ['a']);
  for (let i = 0; i < 2; i++) t.false(scheduler.reserve() instanceof FramewireError, 'every place came back');
});
