/**
 * node dist/bench/stream/thread-cpu.js [PIPELINE] [SECONDS] [FPS_PER_SESSION|closed]
 *
 * Where the two cores go while the server is loaded: CPU time of each server
 * thread (from /proc/PID/task/TID/stat, utime + stime) and of this load
 * generator, over one run of 4 sessions (open loop at FPS_PER_SESSION, or
 * closed loop). Thread roles are told apart by what they do: the JS thread's
 * id is the process id; slot threads and the parallel backend's helpers are
 * the busy native ones. Default: detect_fast, 20 s, open loop at 2x capacity.
 */
import { readdirSync, readFileSync } from 'node:fs';

import { videoFramesAsJpeg } from '../../test/helpers/media';
import { overloadRate, runLoad } from './load-generator';
import { startServerProcess } from './server-process';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU ticks (user + system) of every thread of `pid`. */
function threadTicks(pid: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the parenthesised name; utime and stime are fields 14 and 15 of the whole line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks.set(Number(tid), Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

async function main(): Promise<void> {
  const pipeline = process.argv[2] ?? 'detect_fast';
  const seconds = Number(process.argv[3] ?? '20');
  const rate = process.argv[4];
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const server = await startServerProcess();
  const pid = server.child.pid as number;
  // Warm-up, and the capacity an open loop at 2x is derived from.
  const warm = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, frames, durationMs: 5000 });
  const fps = rate === 'closed' ? undefined : rate !== undefined ? Number(rate) : overloadRate(warm);

  const before = threadTicks(pid);
  const ownBefore = process.cpuUsage();
  const run = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, fps, frames, durationMs: seconds * 1000 });
  const own = process.cpuUsage(ownBefore);
  const after = threadTicks(pid);
  await server.stop();

  const share = (ticks: number): string => `${((100 * ticks) / CLOCK_TICKS_PER_SECOND / run.seconds).toFixed(1)}%`;
  console.log(`${pipeline}, 4 sessions, ${fps === undefined ? 'closed loop' : `${fps} frames/s each`}, ${seconds} s: ${run.resultsPerSecond.toFixed(1)} results/s, p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, engine p50 / p99 ${run.computeP50.toFixed(1)} / ${run.computeP99.toFixed(1)} ms\n`);
  console.log('| thread | CPU, % of one core |\n|---|---|');
  const rows = [...after].map(([tid, t]) => [tid, t - (before.get(tid) ?? 0)] as const).filter(([, t]) => t > 0).sort((a, b) => b[1] - a[1]);
  for (const [tid, ticks] of rows) console.log(`| server ${tid === pid ? 'JS thread' : `thread ${tid}`} | ${share(ticks)} |`);
  console.log(`| load generator (whole process) | ${(((own.user + own.system) / 1e6 / run.seconds) * 100).toFixed(1)}% |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
