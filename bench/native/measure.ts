/**
 * Shared by the benchmarks: the closed-loop driver and one-line JSON report of
 * the bench child processes, and the orchestrators' helpers to run those
 * children, pick the median run and write frame folders.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface RunReport {
  frames: number;
  fps: number;
  p50_ms: number;
  p99_ms: number;
}

/** The p-quantile of ascending values (NaN when there are none). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Runs a bench child (cpp_loop, addon-run, cv4n-run, decode_scales) and parses the JSON report on its last line. */
export function runChild<T = RunReport>(command: string, args: string[]): T {
  const out = execFileSync(command, args, { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' }, maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop() as string) as T;
}

/** The run with the median frames/s. */
export function medianRun(runs: RunReport[]): RunReport {
  return [...runs].sort((a, b) => a.fps - b.fps)[Math.floor(runs.length / 2)];
}

/** Replaces `dir` with the frames as 0000.jpg, 0001.jpg, ... (the C++ loop reads them in name order). */
export function writeFrameDir(dir: string, frames: readonly Buffer[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  frames.forEach((jpeg, i) => writeFileSync(path.join(dir, `${String(i).padStart(4, '0')}.jpg`), jpeg));
}

/**
 * `concurrency` submitters each run `job` back to back until `total` frames
 * are done; latency is call-to-settle of each job.
 */
export async function closedLoop(total: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<RunReport> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i; (i = next++) < total; ) {
        const t0 = process.hrtime.bigint();
        await job(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  return { frames: latencies.length, fps: latencies.length / seconds, p50_ms: percentile(latencies, 0.5), p99_ms: percentile(latencies, 0.99) };
}
