/**
 * StreamService alone: a real FrameScheduler over a fake engine (deferred promises), a fake clock, a fake
 * pipeline catalog, a recording SessionOutput, real Metrics. No addon, no sockets.
 */
import { performance } from 'node:perf_hooks';

import test, { type ExecutionContext } from 'ava';

import { FramewireError } from '../src/errors';
import type { FrameOutcome } from '../src/services/pipeline';
import type { StreamAnswer } from '../src/services/streaming';
import { harness, RecordingOutput, settle } from './helpers/stream-harness';
import { waitUntil } from './helpers/wait';

/** The frame indexes the answers name, in order of the answers. */
function answeredIndexes(out: RecordingOutput): number[] {
  return out.answers.flatMap((a) => ('frameIndex' in a && a.frameIndex !== undefined ? [a.frameIndex as number] : []));
}

/**
 * Every frame index in 0..count-1 is answered exactly once (a result, a drop, a frame error, or the end's
 * error naming it), and the session ends exactly once, last.
 */

function assertOneAnswerEach(t: ExecutionContext, out: RecordingOutput, count: number): void {
  const answered = answeredIndexes(out);
  t.deepEqual([...answered].sort((a, b) => a - b), Array.from({ length: count }, (_, i) => i), `one answer per accepted frame: ${out.log.join(', ')}`);
  t.is(out.answers.filter((a) => a.type === 'end').length, 1, `one end: ${out.log.join(', ')}`);
  t.is(out.answers[out.answers.length - 1].type, 'end', 'the end comes last');
}

const decoderRefusal = (): FramewireError => new FramewireError('invalid_frame', 'decoder rejected the JPEG');

test('a frame is validated, run and answered with its result; the session is counted', async (t) => {
  const { streams, open, frame, finish, seen, metric } = harness();
  const { session, out } = open();
  t.is(streams.activeSessions, 1);
  t.is(await metric('framewire_stream_sessions_active', { pipeline_id: 'detect' }), 1);
  streams.receive(session, frame('f0'), true);
  t.deepEqual(seen(), ['f0']);
  t.true(session.inFlight);
  await finish('f0');
  t.deepEqual(out.answers, [{ type: 'result', frameIndex: 0, json: '{"frame":"f0"}' }]);
  t.is(session.processedFrames, 1);
  t.true(session.idle);
  t.is(await metric('framewire_stream_frames_received_total', { pipeline_id: 'detect' }), 1);
  t.is(await metric('framewire_stream_frames_processed_total', { pipeline_id: 'detect' }), 1);
  streams.disconnected(session, 1000);
  t.is(streams.activeSessions, 0);
  t.is(await metric('framewire_stream_sessions_active', { pipeline_id: 'detect' }), 0);
});

test('supersede: one in flight, one waiting, a newer frame replaces the waiting one', async (t) => {
  const { streams, open, frame, finish, seen, metric } = harness();
  const { session, out } = open();
  for (let i = 0; i < 4; i++) streams.receive(session, frame(`f${i}`), true);
  t.deepEqual(out.log, ['dropped 1 superseded', 'dropped 2 superseded']);
  t.is(streams.waitingFrames, 1);
  t.is(session.waiting?.index, 3);
  await finish('f0');
  t.deepEqual(seen(), ['f0', 'f3'], 'the superseded frames never reached the engine');
  await finish('f3');
  t.deepEqual(out.log, ['dropped 1 superseded', 'dropped 2 superseded', 'result 0', 'result 3']);
  t.is(streams.waitingFrames, 0);
  t.deepEqual(session.droppedFrames, { superseded: 2, stale: 0, shutdown: 0 });
  t.is(await metric('framewire_stream_frames_dropped_total', { pipeline_id: 'detect', cause: 'superseded' }), 2);
});

test('stale: a waiting frame too old when its turn comes is dropped then, without running', async (t) => {
  const { streams, open, frame, finish, seen, advance, metric } = harness({ policy: { maxFrameAgeMs: 1000 } });
  const a = open();
  const b = open();
  streams.receive(a.session, frame('a0'), true); // takes the one slot
  streams.receive(b.session, frame('b0'), true); // waits for its turn
  streams.receive(a.session, frame('a1'), true);
  advance(1001);
  await finish('a0');
  t.deepEqual(b.out.log, ['dropped 0 stale'], 'b0 was fresh when received, stale when its turn came');
  t.deepEqual(a.out.log, ['result 0', 'dropped 1 stale'], 'a1 too, when its turn came after b0\'s');
  t.deepEqual(seen(), ['a0']);
  t.is(await metric('framewire_stream_frames_dropped_total', { pipeline_id: 'detect', cause: 'stale' }), 2);
  // A fresh frame after them runs.
  streams.receive(b.session, frame('b1'), true);
  await finish('b1');
  t.deepEqual(b.out.log, ['dropped 0 stale', 'result 1']);
});

test('every accepted frame gets exactly one answer: three floods, failures, stale frames, random timing', async (t) => {
  const { streams, open, frame, inEngine, advance } = harness({ capacity: 2, policy: { slowDownWindow: 5 } });
  const sessions = [open(), open(), open()];
  let x = 12345; // xorshift32, seeded: a failure reproduces
  const random = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const result = (label: string): FrameOutcome => ({ json: `{"frame":"${label}"}`, decodeMs: 1, inferenceMs: 2, totalMs: 4, decodeWarnings: 0 });
  const sent = [0, 0, 0];
  for (let step = 0; step < 500; step++) {
    const r = random();
    if (r < 0.6) {
      const s = Math.floor(random() * 3);
      streams.receive(sessions[s].session, frame(`s${s}:${sent[s]++}`), true);
    } else if (r < 0.7) {
      advance(600);
    } else {
      const inside = inEngine();
      if (inside.length === 0) continue;
      const call = inside[Math.floor(random() * inside.length)];
      call.resolve(random() < 0.2 ? new FramewireError('pipeline_failure', 'model broke') : result(call.label));
      await settle();
    }
  }
  for (let guard = 0; guard < 100 && inEngine().length > 0; guard++) {
    for (const call of inEngine()) call.resolve(result(call.label));
    await settle();
  }
  for (const [s, { session, out }] of sessions.entries()) {
    const indexes = out.answers.flatMap((a) => ('frameIndex' in a && a.type !== 'end' ? [a.frameIndex] : []));
    t.deepEqual(indexes.sort((a, b) => a - b), Array.from({ length: sent[s] }, (_, i) => i), `session ${s}`);
    t.is(session.processedFrames + session.failedFrames + session.totalDropped, sent[s]);
    t.true(session.idle);
  }
  const all = sessions.flatMap(({ out }) => out.log);
  for (const kind of ['result', 'frame_error', 'superseded', 'stale']) t.true(all.some((l) => l.includes(kind)), `the run covers ${kind}`);
  t.is(streams.waitingFrames, 0);
});

test('a fatal message stops reading, lets the accepted frames be answered, then ends once', async (t) => {
  const { streams, open, frame, finish, seen, metric } = harness();
  const { session, out } = open();
  streams.receive(session, frame('f0'), true);
  streams.receive(session, frame('f1'), true);
  streams.receive(session, Buffer.from('not a jpeg'), true); // frame 2: the validator refuses it
  streams.receive(session, frame('f3'), true); // never read
  t.is(session.state, 'closing');
  t.deepEqual(out.log, [], 'nothing ends while frames 0 and 1 are unanswered');
  await finish('f0');
  await finish('f1');
  t.deepEqual(out.log, ['result 0', 'result 1', 'end 1007 invalid_frame @2']);
  t.deepEqual(seen(), ['f0', 'f1']);
  t.is(session.receivedFrames, 3, 'nothing after the fatal frame was read');
  t.is(session.state, 'ended');
  t.is(await metric('framewire_stream_frames_rejected_total', { pipeline_id: 'detect', error: 'invalid_frame' }), 1);
  streams.receive(session, frame('f4'), true);
  t.is(out.answers.length, 3, 'an ended session takes nothing');
});

test('a text message ends the session 1003 invalid_message; an idle session ends at once', (t) => {
  const { streams, open } = harness();
  const { session, out } = open();
  streams.receive(session, Buffer.from('hello'), false);
  t.deepEqual(out.log, ['end 1003 invalid_message']);
  t.is(session.state, 'ended');
});

test('pipeline_failure answers that frame and the session goes on', async (t) => {
  const { streams, open, frame, finish, metric } = harness();
  const { session, out } = open();
  streams.receive(session, frame('f0'), true);
  await finish('f0', new FramewireError('pipeline_failure', 'model broke'));
  streams.receive(session, frame('f1'), true);
  await finish('f1');
  t.deepEqual(out.log, ['frame_error 0 pipeline_failure', 'result 1']);
  t.is(session.state, 'open');
  t.is(session.failedFrames, 1);
  t.is(await metric('framewire_stream_frames_failed_total', { pipeline_id: 'detect' }), 1);
});

test('any other engine error is ours: internal_error, close 1011, after the waiting frame', async (t) => {
  const { streams, open, frame, finish } = harness();
  const { session, out } = open();
  streams.receive(session, frame('f0'), true);
  streams.receive(session, frame('f1'), true);
  await finish('f0', new FramewireError('not_ready', 'models are still loading'));
  await finish('f1');
  t.deepEqual(out.log, ['result 1', 'end 1011 internal_error @0']);
  const end = out.answers[1] as Extract<StreamAnswer, { type: 'end' }>;
  t.is(end.error?.detail, 'models are still loading');
});

test('slow_down goes to the output once the window is over the drop rate', async (t) => {
  const { streams, open, frame, finish } = harness({ policy: { slowDownWindow: 4, slowDownDropRate: 0.5 } });
  const { session, out } = open();
  for (let i = 0; i < 6; i++) streams.receive(session, frame(`f${i}`), true);
  await finish('f0');
  t.deepEqual(out.log.slice(-2), ['result 0', 'slow_down']);
  const warning = out.answers.find((a) => a.type === 'slow_down') as Extract<StreamAnswer, { type: 'slow_down' }>;
  t.deepEqual(warning.warning, { drop_rate: 0.75, suggested_fps: 250 }, '3 drops in the last 4 outcomes; one completion of 4 ms');
});

test('refusals: invalid_pipeline, not_ready, server_busy (full, then shutting down), counted by code', async (t) => {
  const { streams, open, catalog, metric } = harness({ maxSessions: 1 });
  const refuse = (pipelineId: string): FramewireError => {
    const out = new RecordingOutput();
    const result = streams.open({ pipelineId, params: new URLSearchParams() }, out, '127.0.0.1');
    t.deepEqual(out.answers, [], 'the transport sends the refusal, not the service');
    if (!(result instanceof FramewireError)) throw new Error(`${pipelineId} was not refused`);
    return result;
  };
  t.like(refuse('nope'), { code: 'invalid_pipeline', wsCloseCode: 1008 });
  t.regex(refuse('').detail, /pipeline_id query parameter is required/);
  catalog.ready = false;
  t.like(refuse('detect'), { code: 'not_ready', wsCloseCode: 1013 });
  t.like(refuse('nope'), { code: 'invalid_pipeline' }, 'an unknown pipeline is named even while loading');
  catalog.ready = true;
  const first = open();
  const busy = refuse('faces');
  t.like(busy, { code: 'server_busy', wsCloseCode: 1013 });
  t.regex(busy.detail, /maximum of 1 sessions/);
  t.is(streams.activeSessions, 1);
  t.is(await metric('framewire_stream_frames_rejected_total', { pipeline_id: 'detect', error: 'not_ready' }), 1);
  t.is(await metric('framewire_stream_frames_rejected_total', { pipeline_id: 'faces', error: 'server_busy' }), 1);
  t.is(await metric('framewire_stream_frames_rejected_total', { pipeline_id: 'nope', error: 'invalid_pipeline' }), 2);
  const shutdown = streams.shutdown({ deadlineMs: 1000, graceMs: 0, quietMs: 10 });
  streams.disconnected(first.session, 1001);
  await shutdown;
  const closing = refuse('detect');
  t.like(closing, { code: 'server_busy' });
  t.regex(closing.detail, /shutting down/);
});

/** Real time passes (the drain's quiet period runs on real timers). */
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls (real time) until `check` holds, for up to 2 s (the test asserts it afterwards). */
const eventually = (check: () => boolean): Promise<void> => waitUntil(check, 2000);

test('shutdown: draining sent, waiting frames dropped/shutdown, the in-flight one answered, 1001 once quiet', async (t) => {
  const { streams, open, frame, finish, seen, metric } = harness();
  const busy = open();
  const idle = open();
  streams.receive(busy.session, frame('f0'), true);
  streams.receive(busy.session, frame('f1'), true);
  let done = false;
  const QUIET = 200;
  const shutdown = streams.shutdown({ deadlineMs: 10_000, graceMs: 0, quietMs: QUIET }).then(() => (done = true));
  t.false(streams.accepting);
  t.deepEqual(busy.out.log, ['draining', 'dropped 1 shutdown']);
  t.deepEqual(idle.out.log, ['draining'], 'nothing to answer, but frames may still be on the wire: not closed yet');
  t.regex((busy.out.answers[0] as Extract<StreamAnswer, { type: 'draining' }>).detail, /send no more frames/);
  t.is(streams.waitingFrames, 0);
  // Issue 9, defect 6: a frame still arriving was on the wire when the server stopped: it is received and
  // answered dropped/shutdown, never run, and the session's quiet period starts again.
  await sleep(50);
  streams.receive(busy.session, frame('f2'), true);
  const f2At = performance.now();
  t.is(busy.session.receivedFrames, 3);
  t.deepEqual(busy.out.log, ['draining', 'dropped 1 shutdown', 'dropped 2 shutdown']);
  await finish('f0');
  t.deepEqual(busy.out.log, ['draining', 'dropped 1 shutdown', 'dropped 2 shutdown', 'result 0'], 'all answered, but f2 arrived less than the quiet period ago');
  await eventually(() => busy.out.log.includes('end 1001'));
  t.true(performance.now() - f2At >= QUIET - 1, 'the end waited a whole quiet period after the last frame');
  t.deepEqual(busy.out.log, ['draining', 'dropped 1 shutdown', 'dropped 2 shutdown', 'result 0', 'end 1001']);
  t.deepEqual(idle.out.log, ['draining', 'end 1001'], 'the idle session ended once quiet too');
  t.deepEqual(seen(), ['f0']);
  streams.receive(busy.session, frame('f3'), true);
  t.is(busy.session.receivedFrames, 3, 'after its last message the session takes nothing more');
  await settle();
  t.false(done, 'shutdown waits for the sockets to close');
  streams.disconnected(idle.session, 1001);
  streams.disconnected(busy.session, 1001);
  await shutdown;
  t.true(done);
  t.is(busy.out.terminated + idle.out.terminated, 0);
  t.is(await metric('framewire_stream_frames_dropped_total', { pipeline_id: 'detect', cause: 'shutdown' }), 2);
  assertOneAnswerEach(t, busy.out, 3);
});

test('shutdown grace: open sessions are served as usual (new ones refused) until it ends, then drained', async (t) => {
  const { streams, open, frame, finish } = harness();
  const s = open();
  const shutdown = streams.shutdown({ deadlineMs: 5_000, graceMs: 80, quietMs: 10 });
  t.false(streams.accepting, 'refusing new sessions (and /readyz 503) from the first moment');
  streams.receive(s.session, frame('g0'), true);
  await finish('g0');
  t.deepEqual(s.out.log, ['result 0'], 'during the grace a frame is processed as usual');
  // Counted, not timed: the quiet period starts only when the grace ends, so a stall near 80 ms would leave a
  // fixed 100 ms sleep short of the end.
  await eventually(() => s.out.log.includes('end 1001'));
  t.deepEqual(s.out.log, ['result 0', 'draining', 'end 1001']);
  streams.disconnected(s.session, 1001);
  await shutdown;
});

test('a client that never stops sending is closed at the deadline: every frame it sent until then answered', async (t) => {
  const { streams, open, frame } = harness();
  const chatty = open();
  // Frames every 10 ms against a 5 s quiet period: never quiet before the 1 s deadline (long enough for a few
  // frames to arrive even when other processes hold the cores).
  const shutdown = streams.shutdown({ deadlineMs: 1000, graceMs: 0, quietMs: 5000 });
  const timer = setInterval(() => streams.receive(chatty.session, frame('c'), true), 10);
  await shutdown;
  clearInterval(timer);
  t.is(chatty.out.log[0], 'draining');
  t.false(chatty.out.log.includes('end 1001'), 'never quiet: no end before the deadline');
  t.is(chatty.out.terminated, 1, 'cut at the deadline');
  t.true(chatty.session.receivedFrames >= 2, `frames kept arriving (${chatty.session.receivedFrames})`);
  const answered = answeredIndexes(chatty.out).sort((a, b) => a - b);
  t.deepEqual(answered, Array.from({ length: chatty.session.receivedFrames }, (_, i) => i), 'each frame received answered once');
});

test('shutdown cuts the sessions still open at the deadline', async (t) => {
  const { streams, open } = harness();
  const stuck = open();
  await streams.shutdown({ deadlineMs: 50, graceMs: 0, quietMs: 10 }); // the transport never reports the close
  t.deepEqual(stuck.out.log, ['draining', 'end 1001']);
  t.is(stuck.out.terminated, 1);
});

test('client_too_slow ends at once: the waiting frame is discarded, the in-flight one finishes unseen', async (t) => {
  const { streams, scheduler, open, frame, finish, seen, metric } = harness();
  const slow = open();
  const other = open();
  streams.receive(slow.session, frame('s0'), true);
  streams.receive(slow.session, frame('s1'), true);
  streams.clientTooSlow(slow.session, 2_000_000, 1_048_576);
  t.deepEqual(slow.out.log, ['end 1008 client_too_slow']);
  t.is(slow.session.state, 'ended');
  t.is(streams.waitingFrames, 0);
  streams.receive(slow.session, frame('s2'), true);
  streams.receive(other.session, frame('o0'), true);
  await finish('s0');
  t.deepEqual(slow.out.log, ['end 1008 client_too_slow'], 'nothing after the end');
  t.deepEqual(seen(), ['s0', 'o0'], 'the slot went to the other session');
  await finish('o0');
  t.deepEqual(other.out.log, ['result 0']);
  t.is(scheduler.inFlight, 0);
  t.is(await metric('framewire_stream_frames_rejected_total', { pipeline_id: 'detect', error: 'client_too_slow' }), 1);
  streams.clientTooSlow(slow.session, 2_000_000, 1_048_576);
  t.is(slow.out.answers.length, 1, 'ends once');
});

test('a disconnected session answers nothing more and leaves nothing behind', async (t) => {
  const { streams, scheduler, open, frame, finish, seen } = harness();
  const gone = open();
  const other = open();
  streams.receive(gone.session, frame('g0'), true);
  streams.receive(gone.session, frame('g1'), true);
  streams.receive(other.session, frame('o0'), true);
  streams.disconnected(gone.session, 1006);
  t.is(streams.activeSessions, 1);
  t.is(streams.waitingFrames, 1, 'only the other session\'s frame waits');
  await finish('g0');
  await finish('o0');
  t.deepEqual(gone.out.log, []);
  t.deepEqual(seen(), ['g0', 'o0']);
  t.is(scheduler.inFlight, 0);
  t.is(scheduler.readyLanes, 0, 'no lane left in the turn order');
});

// The regression: a frame the validator passes but the decoder refuses, accepted while another fatal cause
// is on its way. Each case sends a good frame, then fatal messages back to back before the engine answers
// anything; the engine then answers the good frame and refuses the decoder-fatal one (if it was accepted).
type Fatal = 'validator' | 'decoder' | 'text';
const fatalOrders: [Fatal[], string[]][] = [
  // The decoder-fatal frame is accepted; the text message then ends the session: the frame still gets its own answer.
  [['decoder', 'text', 'validator'], ['result 0', 'frame_error 1 invalid_frame', 'end 1003 invalid_message']],
  // The decoder-fatal frame is accepted; the next frame fails validation and ends the session naming itself.
  [['decoder', 'validator', 'text'], ['result 0', 'frame_error 1 invalid_frame', 'end 1007 invalid_frame @2']],
  // A fatal cause first: nothing after it is read, so the decoder-fatal frame is never accepted.
  [['text', 'decoder', 'validator'], ['result 0', 'end 1003 invalid_message']],
  [['text', 'validator', 'decoder'], ['result 0', 'end 1003 invalid_message']],
  [['validator', 'decoder', 'text'], ['result 0', 'end 1007 invalid_frame @1']],
  [['validator', 'text', 'decoder'], ['result 0', 'end 1007 invalid_frame @1']],
];

for (const [order, expected] of fatalOrders) {
  test(`back to back: good frame, ${order.join(', ')}: one answer per accepted frame, one end`, async (t) => {
    const { streams, open, frame, decoderFatal, finish, seen } = harness();
    const { session, out } = open();
    streams.receive(session, frame('good'), true);
    for (const fatal of order) {
      if (fatal === 'text') streams.receive(session, Buffer.from('{"not":"a frame"}'), false);
      else if (fatal === 'validator') streams.receive(session, Buffer.alloc(0), true);
      else streams.receive(session, decoderFatal('bad'), true);
    }
    await finish('good');
    if (order[0] === 'decoder') await finish('bad', decoderRefusal());
    t.deepEqual(seen(), order[0] === 'decoder' ? ['good', 'bad'] : ['good']);
    t.deepEqual(out.log, expected);
    assertOneAnswerEach(t, out, session.receivedFrames);
    t.is(session.state, 'ended');
    streams.disconnected(session, 1000);
    t.is(streams.activeSessions, 0);
  });
}

test('back to back: good frame, decoder-fatal frame refused before the text message arrives', async (t) => {
  const { streams, open, frame, decoderFatal, finish } = harness();
  const { session, out } = open();
  streams.receive(session, frame('good'), true);
  streams.receive(session, decoderFatal('bad'), true);
  await finish('good');
  await finish('bad', decoderRefusal());
  t.deepEqual(out.log, ['result 0', 'end 1007 invalid_frame @1'], 'the refusal ends the session, naming the frame');
  streams.receive(session, Buffer.from('late text'), false);
  streams.receive(session, Buffer.alloc(0), true);
  streams.receive(session, frame('late'), true);
  t.deepEqual(out.log, ['result 0', 'end 1007 invalid_frame @1'], 'nothing is read after the end');
  assertOneAnswerEach(t, out, 2);
});

test('back to back: the decoder-fatal frame in flight while a text message and a bad frame arrive', async (t) => {
  const { streams, open, frame, decoderFatal, finish } = harness();
  const { session, out } = open();
  streams.receive(session, decoderFatal('bad'), true); // runs at once
  streams.receive(session, frame('good'), true); // waits
  streams.receive(session, Buffer.from('text'), false);
  streams.receive(session, Buffer.alloc(0), true); // ignored: closing
  await finish('bad', decoderRefusal());
  await finish('good');
  t.deepEqual(out.log, ['frame_error 0 invalid_frame', 'result 1', 'end 1003 invalid_message']);
  assertOneAnswerEach(t, out, 2);
});
