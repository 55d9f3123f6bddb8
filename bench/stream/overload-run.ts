/**
 * node dist/bench/stream/overload-run.js [PIPELINE] [SECONDS] [ENV=VALUE ...]
 *
 * One quick overload measurement for A/B comparisons of a change: a fresh
 * server (with the given environment), 4 sessions in a closed loop for 10 s
 * (its capacity), then 4 sessions at 2x that capacity for SECONDS. Prints one
 * line. `npm run bench` runs the same overload among everything else.
 */
import { videoFramesAsJpeg } from '../../test/helpers/media';
import { overloadRate, runLoad } from './load-generator';
import { startServerProcess } from './server-process';

async function main(): Promise<void> {
  const [pipeline = 'detect_fast', seconds = '30', ...assignments] = process.argv.slice(2);
  const env = Object.fromEntries(assignments.map((a) => a.split('=', 2) as [string, string]));
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const server = await startServerProcess(env);
  const closed = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, frames, durationMs: 10_000 });
  const fps = overloadRate(closed);
  const overload = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, fps, frames, durationMs: Number(seconds) * 1000 });
  await server.stop();
  const f1 = (n: number): string => n.toFixed(1);
  console.log(
    `${pipeline} ${JSON.stringify(env)}: closed loop ${f1(closed.resultsPerSecond)} results/s; overload ${fps}/s per session: ` +
      `${f1(overload.resultsPerSecond)} results/s, p50 ${f1(overload.p50)} p90 ${f1(overload.p90)} p99 ${f1(overload.p99)} ms, ` +
      `engine p50 ${f1(overload.computeP50)} p99 ${f1(overload.computeP99)} ms, outside the engine p50 ${f1(overload.outsideP50)} p99 ${f1(overload.outsideP99)} ms, answered exactly once: ${overload.answeredExactlyOnce}`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
