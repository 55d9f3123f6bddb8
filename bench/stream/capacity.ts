/**
 * node dist/bench/stream/capacity.js [--pipelines detect_fast,detect,...] [--seconds 8] [--rates 5,10,15]
 *
 * The capacity model's measurements (docs/scaling.md): one server as `npm start` runs it (default settings, so
 * on this machine 2 slots x 2 threads on 2 cores), per pipeline:
 *   capacity   4 sessions in a closed loop: frames/s answered (each session sends its next frame when the last
 *              is answered), so frames/s per core = that / cores
 *   cameras    for each camera rate R, N = floor(0.8 x capacity / R) cameras (80% of capacity: headroom for
 *              the VM's speed phases and for bursts), each sending R frames/s on its own clock (open loop),
 *              and N + 25% to show what happens past it: frames dropped (superseded or stale) and p99
 * Frames: vtest.avi, JPEG q90, 768x576 (93,953 B on average across the 100 frames used). The load generator
 * shares the two cores with the server, as in every bench here.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';

import { videoFramesAsJpeg } from '../../test/helpers/media';
import { runLoad, type RunReport } from './load-generator';
import { startServerProcess } from './server-process';

const HEADROOM = 0.8;
const f1 = (n: number): string => n.toFixed(1);
const dropPct = (r: RunReport): string => f1((100 * (r.dropped.superseded + r.dropped.stale)) / Math.max(1, r.sent));

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      pipelines: { type: 'string', default: 'detect_fast,detect,faces,people_faces,detect_accurate' },
      seconds: { type: 'string', default: '8' },
      rates: { type: 'string', default: '5,10,15' },
    },
  });
  const pipelines = (args.pipelines as string).split(',');
  const seconds = Number(args.seconds);
  const rates = (args.rates as string).split(',').map(Number);
  const cores = os.availableParallelism();
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const meanBytes = frames.reduce((n, f) => n + f.length, 0) / frames.length;
  console.log(`machine: ${os.cpus()[0].model}, ${cores} cores, node ${process.version}; frames: vtest.avi 768x576 JPEG q90, ${Math.round(meanBytes)} B mean`);
  const load = (): string => os.loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`started ${new Date().toISOString()}; ${seconds} s per run; load average ${load()} (1/5/15 min: other work on the machine)\n`);

  const server = await startServerProcess();
  try {
    await runLoad({ url: server.wsUrl, pipeline: pipelines[0], sessions: 4, frames, durationMs: 3000 }); // warm-up
    console.log('| pipeline | capacity, frames/s (4 sessions closed loop) | per core | p50 / p99 ms |');
    console.log('|---|---|---|---|');
    const capacity = new Map<string, number>();
    for (const pipeline of pipelines) {
      const closed = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, frames, durationMs: seconds * 1000 });
      if (!closed.answeredExactlyOnce || closed.errors > 0) throw new Error(`${pipeline}: closed loop lost or failed frames`);
      capacity.set(pipeline, closed.resultsPerSecond);
      console.log(`| ${pipeline} | ${f1(closed.resultsPerSecond)} | ${f1(closed.resultsPerSecond / cores)} | ${f1(closed.p50)} / ${f1(closed.p99)} |`);
    }
    console.log(`\n| pipeline | camera fps | cameras (80% of capacity) | offered frames/s | answered/s | dropped % | p50 / p99 ms | cameras +25% | dropped % | p50 / p99 ms |`);
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const pipeline of pipelines) {
      for (const rate of rates) {
        const n = Math.max(1, Math.floor((HEADROOM * capacity.get(pipeline)!) / rate));
        const over = Math.ceil(n * 1.25);
        const at = await runLoad({ url: server.wsUrl, pipeline, sessions: n, fps: rate, frames, durationMs: seconds * 1000 });
        const past = await runLoad({ url: server.wsUrl, pipeline, sessions: over, fps: rate, frames, durationMs: seconds * 1000 });
        for (const r of [at, past]) if (!r.answeredExactlyOnce) throw new Error(`${pipeline} ${r.sessions} x ${rate} fps: not every frame answered once`);
        console.log(
          `| ${pipeline} | ${rate} | ${n} | ${n * rate} | ${f1(at.resultsPerSecond)} | ${dropPct(at)} | ${f1(at.p50)} / ${f1(at.p99)} | ${over} | ${dropPct(past)} | ${f1(past.p50)} / ${f1(past.p99)} |`,
        );
      }
    }
    console.log(`\nserver RSS after the runs: ${f1(server.rssMb())} MB; finished ${new Date().toISOString()}; load average ${load()}`);
  } finally {
    await server.stop();
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exit(1);
});
