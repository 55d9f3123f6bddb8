/** Shared by the bench child processes: closed-loop driver and the one-line JSON report. */
export interface RunReport {
  frames: number;
  fps: number;
  p50_ms: number;
  p99_ms: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
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
