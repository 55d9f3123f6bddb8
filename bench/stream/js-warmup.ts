/**
 * node dist/bench/stream/js-warmup.js [--pipeline detect_fast] [--windows 9] [--seconds 10] [ROOT [ROOT]]
 *
 * The server's JS-thread CPU per answered frame from its first frame on, window by window (4 sessions, closed
 * loop): V8 optimizes the hot path only after thousands of frames, so a fresh server's first windows cost more.
 * ROOT is a checkout with its dist/ and addon built (default: this one). With two, both servers are up at once
 * and driven in alternation, the order swapped each window (this VM drifts within seconds, so only alternating
 * windows compare), e.g. this checkout against a git worktree of an earlier commit.
 */
import { parseArgs } from 'node:util';

import { PROJECT_ROOT } from '../../src/config';
import { videoFramesAsJpeg } from '../../test/helpers/media';
import { runLoad } from './load-generator';
import { startServerProcess } from './server-process';

async function main(): Promise<void> {
  const { values: args, positionals: given } = parseArgs({
    options: { pipeline: { type: 'string', default: 'detect_fast' }, windows: { type: 'string', default: '9' }, seconds: { type: 'string', default: '10' } },
    allowPositionals: true,
  });
  const pipeline = args.pipeline as string;
  const windows = Number(args.windows);
  const seconds = Number(args.seconds);
  const roots = given.length > 0 ? given : [PROJECT_ROOT];
  if (roots.length > 2) throw new Error('usage: js-warmup.js [--pipeline P] [--windows N] [--seconds S] [ROOT [ROOT]]');
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const servers = [];
  for (const root of roots) servers.push(await startServerProcess({}, [], root));
  const framesSoFar = roots.map(() => 0);
  console.log(`${pipeline}, 4 sessions closed loop, windows of ${seconds} s from each server's start\n`);
  console.log(`| window | ${roots.map((r) => `${r}: frames/s | JS ms a frame | frames so far`).join(' | ')} |`);
  console.log(`|---|${roots.map(() => '---|---|---').join('|')}|`);
  for (let w = 0; w < windows; w++) {
    const cells: string[] = [];
    for (const i of w % 2 === 0 ? roots.keys() : [...roots.keys()].reverse()) {
      const server = servers[i];
      const before = server.mainThreadCpuMs();
      const run = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, frames, durationMs: seconds * 1000 });
      framesSoFar[i] += run.results;
      cells[i] = `${run.resultsPerSecond.toFixed(1)} | ${((server.mainThreadCpuMs() - before) / Math.max(1, run.results)).toFixed(3)} | ${framesSoFar[i]}`;
    }
    console.log(`| ${w + 1} | ${cells.join(' | ')} |`);
  }
  for (const server of servers) await server.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
