/**
 * node dist/bench/stream/scheduler-sim.js [--sessions 4] [--overload 2] [--work-ms 11.4] [--slots 2] [--seconds 60] [--jitter 0.2]
 *
 * The real FrameScheduler on a simulated clock: `--sessions` latest-wins lanes (one frame waiting, one in
 * flight, as StreamService's sessions) send at `--overload` times their share of capacity, with uniform jitter
 * on each inter-arrival time; every frame takes `--work-ms` on one of `--slots` slots. Prints, per ordering
 * within a round (freshest frame first, as the server does, or wake order), the answered frames' latency
 * (arrival to completion) p50/p99/max and the answered share per session. Deterministic (seeded), no engine, no
 * sockets: it isolates the scheduler's ordering from this VM's noise.
 */
import { parseArgs } from 'node:util';

import type { FrameAnswer, FrameOutcome } from '../../src/services/pipeline';
import { FrameScheduler, type Lane } from '../../src/services/streaming';
import { seededRandom } from '../../test/helpers/random';
import { percentile } from '../native/measure';

const { values } = parseArgs({
  options: {
    sessions: { type: 'string', default: '4' },
    overload: { type: 'string', default: '2' },
    'work-ms': { type: 'string', default: '11.4' },
    slots: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '60' },
    jitter: { type: 'string', default: '0.2' },
    seed: { type: 'string', default: '1' },
  },
});
const SESSIONS = Number(values.sessions);
const SLOTS = Number(values.slots);
const WORK = Number(values['work-ms']);
const INTERVAL = (WORK * SESSIONS) / SLOTS / Number(values.overload);
const END = Number(values.seconds) * 1000;
const JITTER = Number(values.jitter);

interface Event {
  at: number;
  run(): void;
}

async function simulate(freshestFirst: boolean): Promise<{ latencies: number[]; answered: number[] }> {
  const random = seededRandom(Number(values.seed));
  let now = 0;
  const events: Event[] = [];
  const schedule = (at: number, run: () => void): void => {
    events.push({ at, run });
  };
  const answer: FrameAnswer = { json: '{}', decodeMs: 0, inferenceMs: WORK, totalMs: WORK, decodeWarnings: 0 };
  const scheduler = new FrameScheduler(SLOTS, () => new Promise<FrameOutcome>((resolve) => schedule(now + WORK, () => resolve(answer))));
  const latencies: number[] = [];
  const answered = new Array<number>(SESSIONS).fill(0);
  for (let s = 0; s < SESSIONS; s++) {
    let waiting: number | undefined;
    let inFlight = false;
    const lane: Lane = {
      take: () => {
        if (waiting === undefined || inFlight) return undefined;
        const receivedAt = waiting;
        waiting = undefined;
        inFlight = true;
        return {
          pipelineId: 'sim',
          bytes: Buffer.alloc(0),
          done: () => {
            inFlight = false;
            latencies.push(now - receivedAt);
            answered[s] += 1;
            if (waiting !== undefined) scheduler.wake(lane);
          },
        };
      },
      heldSince: freshestFirst ? () => waiting : undefined,
    };
    const arrive = (): void => {
      waiting = now; // latest wins: a waiting frame is superseded
      if (!inFlight) scheduler.wake(lane);
      schedule(now + INTERVAL * (1 + JITTER * (2 * random() - 1)), arrive);
    };
    schedule(INTERVAL * random(), arrive);
  }
  await new Promise<void>((resolve) => {
    const step = (): void => {
      if (events.length === 0) return resolve();
      events.sort((a, b) => a.at - b.at);
      const next = events.shift()!;
      if (next.at > END) return resolve();
      now = next.at;
      next.run();
      setImmediate(step); // let the scheduler's promise callbacks run before the next event
    };
    step();
  });
  return { latencies, answered };
}

async function main(): Promise<void> {
  console.log(`scheduler-sim: ${SESSIONS} sessions, ${SLOTS} slots, ${WORK} ms a frame, one frame every ${INTERVAL.toFixed(2)} ms per session (+-${JITTER * 100}%), ${END / 1000} s simulated`);
  console.log('| order within a round | answered | latency p50 / p99 / max, ms | answered per session |');
  console.log('|---|---|---|---|');
  for (const freshestFirst of [false, true]) {
    const { latencies, answered } = await simulate(freshestFirst);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`| ${freshestFirst ? 'freshest frame first' : 'wake order'} | ${latencies.length} | ${percentile(sorted, 0.5).toFixed(1)} / ${percentile(sorted, 0.99).toFixed(1)} / ${sorted[sorted.length - 1].toFixed(1)} | ${answered.join(' / ')} |`);
  }
}

void main();
