/**
 * The REST burst of rest-burst.ts, on its own thread: 200 fetches and their answers must not delay the paced
 * stream's sends and receipts on the main thread, or the bench would measure its own event loop.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

import { engineTotalMs } from './load-generator';

interface BurstOrder {
  readonly url: string;
  readonly frames: Uint8Array[];
  readonly size: number;
  /** Nice value for this thread (0: unchanged): the load generator at low priority, like a client on another machine. */
  readonly nice: number;
}

export interface BurstReport {
  ok: number;
  busy: number;
  other: number;
  /** Requests that got no HTTP answer (the connection failed). */
  failed: number;
  engineMs: number[];
}

async function burst({ url, frames, size, nice }: BurstOrder): Promise<BurstReport> {
  // /proc/thread-self names this thread ("PID/task/TID"); on Linux a nice value belongs to one thread.
  if (nice !== 0) setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), nice);
  const report: BurstReport = { ok: 0, busy: 0, other: 0, failed: 0, engineMs: [] };
  await Promise.all(Array.from({ length: size }, async (_v, i) => {
    let res: Response;
    let body: Buffer;
    try {
      res = await fetch(url, { method: 'POST', body: frames[i % frames.length], headers: { 'Content-Type': 'image/jpeg' } });
      body = Buffer.from(await res.arrayBuffer());
    } catch {
      report.failed += 1;
      return;
    }
    if (res.status === 200) {
      report.ok += 1;
      report.engineMs.push(engineTotalMs(body));
    } else if (res.status === 503) report.busy += 1;
    else report.other += 1;
  }));
  return report;
}

burst(workerData as BurstOrder).then((report) => parentPort?.postMessage(report));
