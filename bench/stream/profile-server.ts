/**
 * node dist/bench/stream/profile-server.js [PIPELINE] [SECONDS]
 *
 * Where the server's JS thread spends its time at saturation: runs the real
 * server under `node --cpu-prof`, drives it with 4 closed-loop sessions, stops
 * it, and prints the top self-time entries of the profile (native work on the
 * slot threads is not in it: that is the C++ loop's share).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../../src/config';
import { videoFramesAsJpeg } from '../../test/helpers/media';
import { runLoad } from './load-generator';
import { startServerProcess } from './server-process';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

async function main(): Promise<void> {
  const pipeline = process.argv[2] ?? 'detect_fast';
  const seconds = Number(process.argv[3] ?? '15');
  const dir = path.join(PROJECT_ROOT, 'bench', 'out', 'prof');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const server = await startServerProcess({}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const load = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, frames, durationMs: seconds * 1000 });
  await server.stop();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no profile written');
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Profile;

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const where = frame.url ? `${path.relative(PROJECT_ROOT, frame.url.replace('file://', ''))}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + profile.timeDeltas[i] / 1000);
  });
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const idle = self.get('(idle)') ?? 0;
  console.log(`${pipeline}, 4 sessions closed loop, ${seconds} s: ${load.resultsPerSecond.toFixed(1)} results/s; profile ${totalMs.toFixed(0)} ms, JS thread busy ${(100 * (1 - idle / totalMs)).toFixed(1)}%`);
  console.log(`busy per result: ${((totalMs - idle) / load.results).toFixed(3)} ms\n\n| self ms | share of busy | function |\n|---|---|---|`);
  const busy = totalMs - idle;
  for (const [key, ms] of [...self.entries()].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`| ${ms.toFixed(0)} | ${((100 * ms) / busy).toFixed(1)}% | ${key} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
