/**
 * node dist/bench/memory/v8-heap-growth.js [--minutes 4] [--seconds-per-minute 45] [-- NODE_FLAG ...]
 *
 * Why the server's RSS rises under a steady stream load: starts the real server with `npm start`'s Node.js
 * flags plus the ones after `--` (a later V8 flag overrides an earlier one, so `--initial-old-space-size=8` undoes
 * the start script's 64), drives 4 closed-loop `detect_fast` sessions, and after each period prints RSS and
 * V8's heap (total, used, the old space's used) from the server's /metrics. If the heap's growth stops under a
 * small old space, what grew was garbage waiting for a full collection, not a leak.
 */
import { parseArgs } from 'node:util';

import { videoFramesAsJpeg } from '../../test/helpers/media';
import { runLoad } from '../stream/load-generator';
import { startServerProcess } from '../stream/server-process';

const { values, positionals } = parseArgs({
  options: { minutes: { type: 'string', default: '4' }, 'seconds-per-minute': { type: 'string', default: '45' } },
  allowPositionals: true, // the Node.js flags, after `--`
});

async function main(): Promise<void> {
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const flags = positionals;
  const server = await startServerProcess({}, flags);
  const label = flags.length ? flags.join(' ') : '(npm start flags only)';
  for (let period = 1; period <= Number(values.minutes); period++) {
    const run = await runLoad({ url: server.wsUrl, pipeline: 'detect_fast', sessions: 4, frames, durationMs: Number(values['seconds-per-minute']) * 1000 });
    const heap = await server.v8HeapMb();
    console.log(`${label} period ${period}: ${run.results} results, RSS ${server.rssMb().toFixed(1)} MB, V8 heap total ${heap.total.toFixed(1)} MB, used ${heap.used.toFixed(1)} MB, old space used ${heap.oldUsed.toFixed(1)} MB`);
  }
  await server.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
