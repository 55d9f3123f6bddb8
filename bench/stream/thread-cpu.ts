/**
 * node dist/bench/stream/thread-cpu.js [PIPELINE] [SECONDS] [FPS_PER_SESSION|closed]
 *
 * Where the two cores go while the server is loaded: CPU time of each server
 * thread (from /proc/PID/task/TID/stat, utime + stime) and of this load
 * generator, over one run of 4 sessions (open loop at FPS_PER_SESSION, or
 * closed loop). Thread roles are told apart by what they do: the JS thread's
 * id is the process id; slot threads and the parallel backend's helpers are
 * the busy native ones (named fw-slot-N). Per thread: CPU (and its kernel part), CPU ms per answered result, and
 * from /proc/.../schedstat the share of the run it waited for a CPU or slept: a slot thread asleep at saturation
 * is a slot waiting for its next frame. Default: detect_fast, 20 s, open loop at 2x capacity.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { videoFramesAsJpeg } from '../../test/helpers/media';
import { overloadRate, runLoad } from './load-generator';
import { startServerProcess } from './server-process';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** One thread's counters at one moment, from /proc/PID/task/TID/{stat,schedstat,comm}. */
interface ThreadSample {
  /** CPU ticks in user and kernel mode. */
  readonly user: number;
  readonly system: number;
  /** Nanoseconds on a CPU and waiting on a run queue for one: the rest of the wall time it was asleep. */
  readonly onCpuNs: number;
  readonly waitingNs: number;
  /** Its name (the slot threads call themselves fw-slot-N). */
  readonly name: string;
}

/** Every thread of `pid` now. */
function sampleThreads(pid: number): Map<number, ThreadSample> {
  const threads = new Map<number, ThreadSample>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const dir = `/proc/${pid}/task/${tid}`;
    const stat = readFileSync(`${dir}/stat`, 'utf8');
    // Fields after the parenthesised name; utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [onCpuNs, waitingNs] = readFileSync(`${dir}/schedstat`, 'utf8').split(' ').map(Number);
    const name = readFileSync(`${dir}/comm`, 'utf8').trim();
    threads.set(Number(tid), { user: Number(fields[11]), system: Number(fields[12]), onCpuNs, waitingNs, name });
  }
  return threads;
}

async function main(): Promise<void> {
  const pipeline = process.argv[2] ?? 'detect_fast';
  const seconds = Number(process.argv[3] ?? '20');
  const rate = process.argv[4];
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const server = await startServerProcess();
  const pid = server.child.pid as number;
  // Warm-up to the steady state (V8 optimizes the hot path only after thousands of frames: bench/RESULTS.md,
  // "The JS thread, warmed"), and the capacity an open loop at 2x is derived from.
  const warm = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, frames, durationMs: 30_000 });
  const fps = rate === 'closed' ? undefined : rate !== undefined ? Number(rate) : overloadRate(warm);

  const before = sampleThreads(pid);
  const ownBefore = process.cpuUsage();
  const run = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, fps, frames, durationMs: seconds * 1000 });
  const own = process.cpuUsage(ownBefore);
  const after = sampleThreads(pid);
  await server.stop();

  const share = (ticks: number): string => `${((100 * ticks) / CLOCK_TICKS_PER_SECOND / run.seconds).toFixed(1)}%`;
  console.log(`${pipeline}, 4 sessions, ${fps === undefined ? 'closed loop' : `${fps} frames/s each`}, ${seconds} s: ${run.resultsPerSecond.toFixed(1)} results/s, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, engine p50 / p99 ${run.computeP50.toFixed(1)} / ${run.computeP99.toFixed(1)} ms\n`);
  console.log(`| thread | CPU, % of one core | of it in the kernel | CPU ms per result | waiting for a CPU, % of the run | asleep, % of the run |\n|---|---|---|---|---|---|`);
  const wallNs = run.seconds * 1e9;
  const percentOfRun = (ns: number): string => `${Math.max(0, (100 * ns) / wallNs).toFixed(1)}%`;
  const perResult = (ticks: number): string => ((1000 * ticks) / CLOCK_TICKS_PER_SECOND / run.results).toFixed(3);
  const rows = [...after]
    .map(([tid, now]) => {
      const was = before.get(tid) ?? { user: 0, system: 0, onCpuNs: 0, waitingNs: 0 };
      const waited = now.waitingNs - was.waitingNs;
      const asleep = wallNs - (now.onCpuNs - was.onCpuNs) - waited;
      return { tid, name: now.name, ticks: now.user - was.user + now.system - was.system, system: now.system - was.system, waited, asleep };
    })
    .filter((r) => r.ticks > 0)
    .sort((a, b) => b.ticks - a.ticks);
  for (const r of rows) {
    console.log(`| server ${r.tid === pid ? 'JS thread' : `thread ${r.tid} (${r.name})`} | ${share(r.ticks)} | ${share(r.system)} | ${perResult(r.ticks)} | ${percentOfRun(r.waited)} | ${percentOfRun(r.asleep)} |`);
  }
  // process.cpuUsage is in microseconds; ticks are 1/100 s.
  const ownTicks = ((own.user + own.system) / 1e6) * CLOCK_TICKS_PER_SECOND;
  console.log(`| load generator (whole process) | ${share(ownTicks)} | ${share((own.system / 1e6) * CLOCK_TICKS_PER_SECOND)} | ${perResult(ownTicks)} | | |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
