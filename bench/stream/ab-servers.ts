/**
 * node dist/bench/stream/ab-servers.js [--pipeline detect_fast] [--rounds 8] [--seconds 4] [--warm-seconds 30] [--fps N] A B
 *
 * A paired, interleaved A/B of two server variants, both up at once and driven in alternation (this VM's
 * speed drifts within seconds, so only alternating rounds compare). A variant is `env:NAME=VALUE,...` (this
 * checkout with those environment variables; `env:` alone for the defaults), `node:FLAG,...` (this checkout
 * with those Node.js flags after `npm start`'s, e.g. `node:--max-semi-space-size=32`: Node refuses some V8
 * flags in NODE_OPTIONS) or `root:DIR` (another checkout's built server, e.g. a git worktree of an earlier
 * commit with its addon and dist/ built). Any may end in `+track`: that variant's sessions track (`&track=true` and a configure with one counting line), so
 * `env: env:+track` measures what tracking costs.
 * The order alternates by round (A then B, then B then A). Per round and variant: 4 sessions in a closed loop, or with --fps an open loop at N frames/s per session
 * (frames/s answered, p99, the server's JS-thread CPU per answered frame), and a lone stream (p50). Prints each round and the medians of the per-round B/A ratios.
 */
import { parseArgs } from 'node:util';

import { videoFramesAsJpeg } from '../../test/helpers/media';
import { runLoad } from './load-generator';
import { startServerProcess, type ServerProcess } from './server-process';

/** What a `+track` variant's sessions add: the connect query and the configure they send first. */
const TRACKING = { query: '&track=true', control: JSON.stringify({ type: 'configure', lines: [{ id: 'gate', from: [384, 0], to: [384, 576] }] }) };

function start(spec: string): Promise<ServerProcess> {
  const variant = spec.replace(/\+track$/, '');
  if (variant.startsWith('root:')) return startServerProcess({}, [], variant.slice('root:'.length));
  if (variant.startsWith('node:')) return startServerProcess({}, variant.slice('node:'.length).split(',').filter(Boolean));
  if (!variant.startsWith('env:')) throw new Error(`a variant is env:NAME=VALUE,..., node:FLAG,... or root:DIR, got ${variant}`);
  const env = Object.fromEntries(variant.slice('env:'.length).split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
  return startServerProcess(env);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const { values: args, positionals: variants } = parseArgs({
    options: {
      pipeline: { type: 'string', default: 'detect_fast' },
      rounds: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '4' },
      'warm-seconds': { type: 'string', default: '30' },
      fps: { type: 'string' },
    },
    allowPositionals: true,
  });
  if (variants.length !== 2) throw new Error('usage: ab-servers.js [--pipeline P] [--rounds N] [--seconds S] [--warm-seconds S] [--fps N] A B');
  const pipeline = args.pipeline as string;
  const rounds = Number(args.rounds);
  const seconds = Number(args.seconds);
  // Each server is warmed to its steady state first: V8 optimizes the hot path only after thousands of frames.
  const warmSeconds = Number(args['warm-seconds']);
  const fps = args.fps === undefined ? undefined : Number(args.fps);
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const servers = [await start(variants[0]), await start(variants[1])];
  const clients = variants.map((v) => (v.endsWith('+track') ? TRACKING : {}));
  for (const [i, s] of servers.entries()) await runLoad({ url: s.wsUrl, pipeline, sessions: 4, frames, durationMs: warmSeconds * 1000, ...clients[i] }); // warm-up
  const rows = servers.map(() => ({ fps: [] as number[], p99: [] as number[], js: [] as number[], lone: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    // Which variant goes first alternates by round, so a drift within a round favours neither.
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const s = servers[i];
      const before = s.mainThreadCpuMs();
      const sat = await runLoad({ url: s.wsUrl, pipeline, sessions: 4, fps, frames, durationMs: seconds * 1000, ...clients[i] });
      rows[i].js.push((s.mainThreadCpuMs() - before) / sat.results);
      rows[i].fps.push(sat.resultsPerSecond);
      rows[i].p99.push(sat.p99);
      rows[i].lone.push((await runLoad({ url: s.wsUrl, pipeline, sessions: 1, frames, durationMs: seconds * 500, ...clients[i] })).p50);
    }
    const [a, b] = rows;
    console.log(`round ${round + 1}: frames/s ${a.fps[round].toFixed(1)} / ${b.fps[round].toFixed(1)}, p99 ${a.p99[round].toFixed(1)} / ${b.p99[round].toFixed(1)} ms, JS ${a.js[round].toFixed(3)} / ${b.js[round].toFixed(3)} ms per frame, lone p50 ${a.lone[round].toFixed(2)} / ${b.lone[round].toFixed(2)} ms`);
  }
  for (const s of servers) await s.stop();
  const [a, b] = rows;
  const ratio = (key: keyof typeof a): string => {
    const r = a[key].map((v, i) => b[key][i] / v);
    return `${median(r).toFixed(3)} (${Math.min(...r).toFixed(2)}..${Math.max(...r).toFixed(2)}; B better in ${r.filter((x) => (key === 'fps' ? x > 1 : x < 1)).length} of ${r.length})`;
  };
  const load = fps === undefined ? '4 sessions closed loop' : `4 sessions at ${fps} frames/s each`;
  console.log(`\nA = ${variants[0]}\nB = ${variants[1]}\n\n| ${pipeline}, ${load}, ${rounds} alternating rounds | A (median) | B (median) | B/A, median of per-round ratios |\n|---|---|---|---|`);
  console.log(`| frames/s answered | ${median(a.fps).toFixed(1)} | ${median(b.fps).toFixed(1)} | ${ratio('fps')} |`);
  console.log(`| p99 ms | ${median(a.p99).toFixed(1)} | ${median(b.p99).toFixed(1)} | ${ratio('p99')} |`);
  console.log(`| JS-thread CPU ms per answered frame | ${median(a.js).toFixed(3)} | ${median(b.js).toFixed(3)} | ${ratio('js')} |`);
  console.log(`| lone stream p50 ms | ${median(a.lone).toFixed(2)} | ${median(b.lone).toFixed(2)} | ${ratio('lone')} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
