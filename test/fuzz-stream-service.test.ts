/**
 * Property-based fuzzing of the StreamService protocol (issue 9's protocol fuzzer): a real FrameScheduler over
 * a fake engine (deferred promises), a fake clock, real Metrics, as in stream-service.test.ts. fast-check
 * draws any interleaving of session opens, good and bad frames, text and control messages, engine completions (results,
 * pipeline_failure, decoder refusals, other errors, rejections), clock jumps, disconnects, slow readers and
 * one shutdown; then the engine finishes what it holds and every peer disconnects. Invariants:
 *   - every accepted frame is answered exactly once, by a result, a drop, a frame error or the end naming it,
 *     unless the peer disconnected or the session ended client_too_slow (then at most once);
 *   - a session ends at most once, nothing follows its end or its disconnect, and the close code is documented;
 *   - the engine never holds more than `capacity` frames, nor two of one session;
 *   - at the end nothing is in flight, waiting, or left in the scheduler's turn order, and shutdown resolves.
 */
import test from 'ava';
import fc from 'fast-check';
import pino from 'pino';

import { ERROR_CODES, FramewireError } from '../src/errors';
import { Metrics } from '../src/metrics';
import type { FrameOutcome } from '../src/services/pipeline';
import { FrameScheduler, StreamService, StreamSession, type SessionOutput, type StreamAnswer } from '../src/services/streaming';
import { jpegHeaderOnly } from './helpers/jpeg-bytes';
import { waitUntil } from './helpers/wait';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

type Outcome = 'result' | 'pipeline_failure' | 'invalid_frame' | 'not_ready' | 'reject';
type Action =
  | { kind: 'open' }
  | { kind: 'frame'; s: number; frame: 'good' | 'empty' | 'not_jpeg' | 'too_large' }
  | { kind: 'text'; s: number; text: string }
  | { kind: 'complete'; pick: number; outcome: Outcome }
  | { kind: 'advance'; ms: number }
  | { kind: 'disconnect'; s: number }
  | { kind: 'too_slow'; s: number }
  | { kind: 'shutdown' };

const session = fc.nat(7);
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'open' as const }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('frame' as const), s: session, frame: fc.oneof({ weight: 12, arbitrary: fc.constant('good' as const) }, fc.constantFrom('empty' as const, 'not_jpeg' as const, 'too_large' as const)) }) },
  // Plain text (fatal, 1003), a bad control message (invalid_config, the session goes on), reset, configure.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), s: session, text: fc.constantFrom('hello', '{"type":"hello"}', '{"type":"reset"}', '{"type":"configure","track":true}', '{not json') }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat(), outcome: fc.constantFrom<Outcome>('result', 'result', 'result', 'pipeline_failure', 'invalid_frame', 'not_ready', 'reject') }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 1500 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('disconnect' as const), s: session }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('too_slow' as const), s: session }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'shutdown' as const }) },
);

/** Close codes the protocol documents (docs/errors.md, docs/streaming.md): 1001 shutdown, and each error's. */
const DOCUMENTED_CLOSE_CODES = new Set<number>([1001, ...Object.values(ERROR_CODES).flatMap((c) => (c.ws === null ? [] : [c.ws]))]);

class Peer implements SessionOutput {
  readonly answers: StreamAnswer[] = [];
  gone = false;
  lateAnswers = 0;
  terminated = 0;
  answer(answer: StreamAnswer): void {
    if (this.gone || this.answers.some((a) => a.type === 'end')) this.lateAnswers += 1;
    this.answers.push(answer);
  }
  terminate(): void {
    this.terminated += 1;
  }
}

interface Call {
  readonly owner: StreamSession;
  settled: boolean;
  settle(outcome: FrameOutcome | Error): void;
}

/** Runs the actions; returns the first violation, or undefined. Adds each answer's kind to `seen`. */
async function run(actions: Action[], capacity: number, seen = new Set<string>()): Promise<string | undefined> {
  let now = 0;
  const owners = new Map<Buffer, StreamSession>();
  const calls: Call[] = [];
  let violation: string | undefined;
  const scheduler = new FrameScheduler(capacity, (_pipelineId, bytes) =>
    new Promise<FrameOutcome>((resolve, reject) => {
      const owner = owners.get(bytes) as StreamSession;
      if (calls.some((c) => !c.settled && c.owner === owner)) violation ??= 'two frames of one session in the engine';
      const call: Call = { owner, settled: false, settle: (o) => ((call.settled = true), o instanceof Error ? reject(o) : resolve(o)) };
      calls.push(call);
    }));
  const streams = new StreamService({
    scheduler,
    pipelines: { ready: true, isValidPipeline: (id) => id === 'detect', labelsOf: () => new Set(['person']), parseOverrides: () => undefined },
    limits: { maxBytes: 64, maxPixels: 1_000_000 },
    policy: { maxFrameAgeMs: 1000, slowDownWindow: 5, slowDownDropRate: 0.5, slowDownIntervalMs: 1000 },
    tracking: { highScore: 0.5, confirmHits: 2, keepMs: 1500, maxTracks: 256, zoneInertia: 3, lineConfirmUpdates: 2, lineMargin: 0.1 },
    maxSessions: 5,
    metrics: new Metrics((id) => id),
    log: pino({ level: 'silent' }),
    clock: () => now,
  });
  const peers: { session: StreamSession; peer: Peer; tooSlow: boolean }[] = [];
  let shutdown: Promise<void> | undefined;
  const inEngine = (): Call[] => calls.filter((c) => !c.settled);
  const outcomeOf = (o: Outcome): FrameOutcome | Error =>
    o === 'result' ? { json: '{}', decodeMs: 1, inferenceMs: 1, totalMs: 2, decodeWarnings: 0 }
      : o === 'reject' ? new Error('the binding threw')
        : new FramewireError(o, `engine said ${o}`);

  for (const a of actions) {
    const target = 's' in a ? peers[a.s % Math.max(1, peers.length)] : undefined;
    switch (a.kind) {
      case 'open': {
        const peer = new Peer();
        const opened = streams.open({ pipelineId: 'detect', params: new URLSearchParams() }, peer, '127.0.0.1');
        if (opened instanceof StreamSession) peers.push({ session: opened, peer, tooSlow: false });
        else if (opened.code !== 'server_busy') violation ??= `open refused with ${opened.code}`;
        break;
      }
      case 'frame': {
        if (!target || target.peer.gone) break;
        const bytes = a.frame === 'good' ? jpegHeaderOnly(64, 48) : a.frame === 'empty' ? Buffer.alloc(0) : a.frame === 'not_jpeg' ? Buffer.from('not a jpeg') : Buffer.alloc(65, 0xff);
        owners.set(bytes, target.session);
        streams.receive(target.session, bytes, true);
        break;
      }
      case 'text':
        if (target && !target.peer.gone) streams.receive(target.session, Buffer.from(a.text), false);
        break;
      case 'complete': {
        const inside = inEngine();
        if (inside.length === 0) break;
        inside[a.pick % inside.length].settle(outcomeOf(a.outcome));
        await settle();
        break;
      }
      case 'advance':
        now += a.ms;
        break;
      case 'disconnect':
        if (target && !target.peer.gone) {
          target.peer.gone = true;
          streams.disconnected(target.session, 1006);
        }
        break;
      case 'too_slow':
        if (target && !target.peer.gone) {
          if (target.session.state !== 'ended') target.tooSlow = true;
          streams.clientTooSlow(target.session, 2_000_000, 1_048_576);
        }
        break;
      case 'shutdown':
        shutdown ??= streams.shutdown({ deadlineMs: 60_000, graceMs: 0, quietMs: 0 });
        break;
    }
    if (scheduler.inFlight > capacity || inEngine().length > capacity) violation ??= `${inEngine().length} frames in the engine, capacity ${capacity}`;
    if (violation) return violation;
  }
  for (let guard = 0; inEngine().length > 0; guard++) {
    if (guard > 1000) return 'the engine never empties';
    for (const c of inEngine()) c.settle(outcomeOf('result'));
    await settle();
  }
  // A draining session ends on its quiet timer (quietMs 0, a real timer): give a loaded machine time to fire it.
  await waitUntil(() => !peers.some(({ session, peer }) => !peer.gone && session.state === 'closing' && session.idle), 1000, 5);
  if (scheduler.inFlight !== 0 || streams.waitingFrames !== 0) return `left behind: ${scheduler.inFlight} in flight, ${streams.waitingFrames} waiting`;

  for (const [i, { session, peer, tooSlow }] of peers.entries()) {
    const where = `session ${i}: ${JSON.stringify(peer.answers.map((x) => [x.type, 'frameIndex' in x ? x.frameIndex : undefined, x.type === 'end' ? x.code : undefined]))}`;
    if (peer.lateAnswers > 0) return `${where}: ${peer.lateAnswers} answers after the end or the disconnect`;
    const ends = peer.answers.filter((x): x is Extract<StreamAnswer, { type: 'end' }> => x.type === 'end');
    if (ends.length > 1) return `${where}: ended twice`;
    if (ends.length === 1 && !DOCUMENTED_CLOSE_CODES.has(ends[0].code)) return `${where}: undocumented close code`;
    const counts = new Map<number, number>();
    for (const x of peer.answers) {
      const index = 'frameIndex' in x ? x.frameIndex : undefined;
      if (index !== undefined) counts.set(index, (counts.get(index) ?? 0) + 1);
    }
    for (const [index, n] of counts) {
      if (n > 1) return `${where}: frame ${index} answered ${n} times`;
      if (index >= session.receivedFrames) return `${where}: frame ${index} answered but never received`;
    }
    // The peer left, or stopped reading: its waiting frame is discarded, an in-flight one finishes unseen.
    const mayMiss = peer.gone || tooSlow;
    if (!mayMiss && counts.size !== session.receivedFrames) return `${where}: ${counts.size} of ${session.receivedFrames} frames answered`;
    for (const x of peer.answers) {
      seen.add(x.type === 'end' ? `end ${x.code}` : x.type === 'dropped' ? `dropped ${x.cause}` : x.type === 'frame_error' ? `frame_error ${x.error.code}` : x.type);
    }
    if (shutdown && !peer.gone && ends.length === 0) return `${where}: no end after shutdown`;
  }
  for (const { session, peer } of peers) if (!peer.gone) streams.disconnected(session, 1000);
  await shutdown;
  // openStreamLanes too: a lane counted open after its session ended would keep the HTTP slot cap on for good.
  if (streams.activeSessions !== 0 || scheduler.readyLanes !== 0 || scheduler.openStreamLanes !== 0) return `left behind: ${streams.activeSessions} sessions, ${scheduler.readyLanes} lanes in the turn order, ${scheduler.openStreamLanes} lanes counted open`;
  if (peers.some(({ peer }) => peer.terminated > 0)) return 'shutdown cut a session although every peer left';
  return undefined;
}

test('any interleaving of frames, text, completions, disconnects, slow readers and shutdown keeps the protocol', async (t) => {
  const outcome = await fc.check(
    fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 120 }), fc.integer({ min: 1, max: 3 }), async (actions, capacity) => {
      const violation = await run(actions, capacity);
      if (violation) throw new Error(`protocol violation: ${violation}`);
    }),
    { numRuns: 400 },
  );
  // fc.check, not fc.assert: the report then carries the violation's own message, not only the counterexample.
  if (outcome.failed) t.fail(`${String((outcome.errorInstance as Error | undefined)?.message)}\n${fc.defaultReportMessage(outcome) ?? ''}`);
  else t.pass();
});

test('the fuzzer reaches every kind of answer and every end', async (t) => {
  // Guards the property above against a generator that no longer reaches the interesting states.
  const seen = new Set<string>();
  for (const actions of fc.sample(fc.array(action, { minLength: 40, maxLength: 120 }), { numRuns: 300, seed: 42 })) await run(actions, 2, seen);
  const expected = ['result', 'slow_down', 'configured', 'reset', 'control_error', 'dropped superseded', 'dropped stale', 'dropped shutdown', 'frame_error pipeline_failure', 'frame_error invalid_frame',
    'end 1001', 'end 1003', 'end 1007', 'end 1008', 'end 1009', 'end 1011'];
  for (const kind of expected) t.true(seen.has(kind), `${kind} (seen: ${[...seen].sort().join(', ')})`);
});

test('replay: counterexample found after the rebase on the drain protocol', async (t) => {
  const actions: Action[] = [
    { kind: 'complete', pick: 1932909931, outcome: 'not_ready' }, { kind: 'frame', s: 5, frame: 'good' }, { kind: 'open' },
    { kind: 'frame', s: 4, frame: 'good' }, { kind: 'shutdown' }, { kind: 'complete', pick: 1155558123, outcome: 'not_ready' },
    { kind: 'complete', pick: 760715275, outcome: 'pipeline_failure' }, { kind: 'advance', ms: 851 },
    { kind: 'complete', pick: 1320653611, outcome: 'reject' }, { kind: 'frame', s: 2, frame: 'too_large' }, { kind: 'complete', pick: 2010102529, outcome: 'result' },
  ];
  t.is(await run(actions, 3), undefined);
});
