/**
 * A native call that never returns (docs/reliability.md, "Guarantees": a stuck native call). The scheduler
 * counts it in flight, so it holds one slot and no more: the other slots keep serving every other session and
 * HTTP, the stuck session keeps answering its newer frames `dropped`/superseded (latest wins, one waiting), and
 * shutdown still ends at its deadline, cutting the session it cannot finish. StreamService over the fake
 * engine of test/helpers/stream-harness.ts, in which the test simply never finishes one frame.
 */
import test from 'ava';

import { FramewireError } from '../src/errors';
import type { FrameOutcome } from '../src/services/pipeline';
import { harness, settle } from './helpers/stream-harness';

const RESULT: FrameOutcome = { json: '{}', decodeMs: 1, inferenceMs: 1, totalMs: 2, decodeWarnings: 0 };

test('a stuck engine call holds one slot; everything else is served; shutdown ends at its deadline', async (t) => {
  const { streams, scheduler, open, frame, inEngine } = harness({ capacity: 2, policy: { maxFrameAgeMs: 60_000 } });
  /** Finishes every frame in the engine but the stuck one. */
  const finishAllButStuck = async (): Promise<void> => {
    for (const call of inEngine()) if (call.label !== 'stuck') call.resolve(RESULT);
    await settle();
  };

  const victim = open();
  const others = [open(), open()];
  streams.receive(victim.session, frame('stuck'), true); // frame 0: never returns
  for (let i = 1; i <= 3; i++) streams.receive(victim.session, frame(`v${i}`), true);
  t.deepEqual(victim.out.log, ['dropped 1 superseded', 'dropped 2 superseded'], 'one waiting, newer ones supersede it');

  // 20 rounds of the other sessions and HTTP, all on the one slot left.
  const http: Promise<FrameOutcome>[] = [];
  for (let round = 0; round < 20; round++) {
    for (const [k, other] of others.entries()) streams.receive(other.session, frame(`o${k}:${round}`), true);
    http.push(scheduler.request('detect', frame(`h${round}`)));
    for (let k = 0; k < 4; k++) await finishAllButStuck();
    t.true(scheduler.inFlight <= 2);
  }
  for (const other of others) t.is(other.out.answers.filter((a) => a.type === 'result').length, 20, 'every frame of the other sessions answered');
  t.false((await Promise.all(http)).some((o) => o instanceof FramewireError), 'every HTTP request answered with a result');
  t.deepEqual(inEngine().map((c) => c.label), ['stuck'], 'only the stuck call is left inside the engine');

  const shutdown = streams.shutdown({ deadlineMs: 100, graceMs: 0, quietMs: 0 });
  await new Promise((r) => setTimeout(r, 20)); // the idle sessions' quiet period (0 ms) ends them
  t.true(victim.out.log.includes('dropped 3 shutdown'), `its waiting frame is answered at shutdown: ${victim.out.log.slice(-3).join(', ')}`);
  for (const other of others) t.deepEqual(other.out.log.slice(-2), ['draining', 'end 1001']);
  for (const other of others) streams.disconnected(other.session, 1001);
  await shutdown;
  t.is(victim.out.terminated, 1, 'the stuck session is cut at the deadline; shutdown does not wait forever');
  t.is(others[0].out.terminated + others[1].out.terminated, 0);
});
