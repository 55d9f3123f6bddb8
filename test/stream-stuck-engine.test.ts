/**
 * A native call that never returns (docs/reliability.md, "Guarantees": a stuck native call). The scheduler
 * counts it in flight, so it holds one slot and no more: the other slots keep serving every other session and
 * HTTP, the stuck session keeps answering its newer frames `dropped`/superseded (latest wins, one waiting), and
 * shutdown still ends at its deadline, cutting the session it cannot finish. Real FrameScheduler and
 * StreamService over a fake engine in which one frame never completes.
 */
import test from 'ava';
import pino from 'pino';

import type { FramewireError } from '../src/errors';
import { Metrics } from '../src/metrics';
import type { FrameOutcome } from '../src/services/pipeline';
import { FrameScheduler, StreamService, StreamSession, type SessionOutput, type StreamAnswer } from '../src/services/streaming';
import { jpegHeaderOnly } from './helpers/jpeg-bytes';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
const RESULT: FrameOutcome = { json: '{}', decodeMs: 1, inferenceMs: 1, totalMs: 2, decodeWarnings: 0 };

class Output implements SessionOutput {
  readonly answers: StreamAnswer[] = [];
  terminated = 0;
  answer(a: StreamAnswer): void {
    this.answers.push(a);
  }
  terminate(): void {
    this.terminated += 1;
  }
  get log(): string[] {
    return this.answers.map((a) => (a.type === 'result' ? `result ${a.frameIndex}` : a.type === 'dropped' ? `dropped ${a.frameIndex} ${a.cause}` : a.type === 'end' ? `end ${a.code}` : a.type));
  }
}

test('a stuck engine call holds one slot; everything else is served; shutdown ends at its deadline', async (t) => {
  const stuck = jpegHeaderOnly(64, 48);
  const pending: ((o: FrameOutcome) => void)[] = [];
  // Every frame completes when the test says so, except `stuck`, which never does.
  const scheduler = new FrameScheduler(2, (_id, bytes) => new Promise<FrameOutcome>((resolve) => {
    if (bytes !== stuck) pending.push(resolve);
  }), 8);
  const streams = new StreamService({
    scheduler,
    pipelines: { ready: true, isValidPipeline: () => true, labelsOf: () => new Set(['person']) },
    limits: { maxBytes: 1000, maxPixels: 1_000_000 },
    policy: { maxFrameAgeMs: 60_000, slowDownWindow: 30, slowDownDropRate: 0.5, slowDownIntervalMs: 1000 },
    tracking: { highScore: 0.5, confirmHits: 2, keepMs: 1500, maxTracks: 256, zoneInertia: 3, lineConfirmUpdates: 2, lineMargin: 0.1 },
    maxSessions: 8,
    metrics: new Metrics((id) => id),
    log: pino({ level: 'silent' }),
    clock: () => 0,
  });
  const open = (): { session: StreamSession; out: Output } => {
    const out = new Output();
    const session = streams.open({ pipelineId: 'detect', params: new URLSearchParams() }, out, '127.0.0.1') as StreamSession | FramewireError;
    if (!(session instanceof StreamSession)) throw session;
    return { session, out };
  };
  const finishAll = async (): Promise<void> => {
    for (const resolve of pending.splice(0)) resolve(RESULT);
    await settle();
  };

  const victim = open();
  const others = [open(), open()];
  streams.receive(victim.session, stuck, true); // frame 0: never returns
  for (let i = 1; i <= 3; i++) streams.receive(victim.session, jpegHeaderOnly(64, 48), true);
  t.deepEqual(victim.out.log, ['dropped 1 superseded', 'dropped 2 superseded'], 'one waiting, newer ones supersede it');

  // 20 rounds of the other sessions and HTTP, all on the one slot left.
  const http: Promise<FrameOutcome>[] = [];
  for (let round = 0; round < 20; round++) {
    for (const other of others) streams.receive(other.session, jpegHeaderOnly(64, 48), true);
    http.push(scheduler.request('detect', jpegHeaderOnly(32, 32)));
    for (let k = 0; k < 4; k++) await finishAll();
    t.true(scheduler.inFlight <= 2);
  }
  for (const other of others) t.is(other.out.answers.filter((a) => a.type === 'result').length, 20, 'every frame of the other sessions answered');
  t.is((await Promise.all(http)).length, 20, 'every HTTP request answered');
  t.is(scheduler.inFlight, 1, 'only the stuck call is left inside the engine');

  const shutdown = streams.shutdown({ deadlineMs: 100, graceMs: 0, quietMs: 0 });
  await new Promise((r) => setTimeout(r, 20)); // the idle sessions' quiet period (0 ms) ends them
  t.true(victim.out.log.includes('dropped 3 shutdown'), `its waiting frame is answered at shutdown: ${victim.out.log.slice(-3).join(', ')}`);
  for (const other of others) t.deepEqual(other.out.log.slice(-2), ['draining', 'end 1001']);
  for (const other of others) streams.disconnected(other.session, 1001);
  await shutdown;
  t.is(victim.out.terminated, 1, 'the stuck session is cut at the deadline; shutdown does not wait forever');
  t.is(others[0].out.terminated + others[1].out.terminated, 0);
});
