/**
 * node dist/bench/stream/ws-floor.js [--fps 25 | --closed] [--rounds 6] [--seconds 8] [ROOT ...]
 *
 * What the JS thread's CPU per frame cannot go below with ws on this machine, beside the real server, all driven
 * by the same load generator at the same open-loop rate (4 sessions at --fps each; with --closed, closed loop
 * and no bare server), in an order rotated each round. Prints each round's JS-thread CPU per answer of each
 * (/proc, the main thread of each process):
 * - bare ws: the same library and options as Framewire's endpoint except its frame-size limit, no Express, no
 *   scheduler, no engine; answers each binary frame at once with a result-sized text message;
 * - ws + engine: the same, but each frame goes through the pipeline service to the engine's slot threads and is
 *   answered with the engine's JSON when its promise settles: the one hop off the JS thread and back that any
 *   server answering from native threads pays, with nothing of Framewire's streaming core around it;
 * - Framewire: this checkout's server;
 * - each ROOT: another checkout's built server (e.g. a git worktree of the Phase-17 commit). With a ROOT, the
 *   summary gives every target's per-round ratio to the first ROOT, and the median.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { parseArgs } from 'node:util';

import { WebSocketServer } from 'ws';

import { loadConfig } from '../../src/config';
import { readManifest } from '../../src/models/manifest';
import { VideoFilePipelineService } from '../../src/services/pipeline';
import { videoFramesAsJpeg } from '../../test/helpers/media';
import { runLoad } from './load-generator';
import { mainThreadCpuMs, startScriptNodeFlags, startServerProcess } from './server-process';

/** A result of the size detect_fast sends for a street frame (about 900 bytes), with timings_ms.total last. */
function resultText(): string {
  const detection = '{"label":"person","score":0.87,"box":{"x":101.5,"y":220.25,"width":40.5,"height":96.75}}';
  return `{"pipeline_id":"detect_fast","width":768,"height":576,"detections":[${Array(8).fill(detection).join(',')}],"timings_ms":{"decode":2.1,"inference":6.3,"total":8.9}}`;
}

/** The frame's answer text: given the frame_index, resolves to what the server sends. */
type Answer = (index: number, frame: Buffer) => string | Promise<string>;

/** A minimal server: says session_started, then answers every binary frame with `answer` (in its order). */
function serve(answer: Answer): void {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024, clientTracking: false });
  server.on('upgrade', (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send('{"event":"session_started","session_id":"floor","pipeline_id":"detect_fast"}');
      let index = 0;
      ws.on('message', (data, isBinary) => {
        if (!isBinary) return;
        const text = answer(index++, data as Buffer);
        if (typeof text === 'string') ws.send(text);
        else void text.then((t) => ws.send(t));
      });
    }),
  );
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
}

/** The bare answer: a fixed result, at once. */
function bareAnswer(): Answer {
  const result = resultText();
  return (index) => `{"frame_index":${index},"result":${result}}`;
}

/** The engine's answer: the pipeline service runs the frame on a slot thread (the server's config and models). */
async function engineAnswer(): Promise<Answer> {
  const service = await VideoFilePipelineService.create(loadConfig(), readManifest());
  await service.load();
  return (index, frame) =>
    service
      .runFrame('detect_fast', frame)
      .then((outcome) => ('json' in outcome ? `{"frame_index":${index},"result":${outcome.json}}` : `{"frame_index":${index},"error":"${outcome.code}"}`));
}

/** Starts this script as a child serving `mode`; resolves to its port once it listens. */
async function spawnFloor(mode: string): Promise<{ port: number; pid: number; kill: () => void }> {
  // With `npm start`'s Node.js flags, as the real server runs.
  const child = spawn(process.execPath, [...startScriptNodeFlags(), __filename, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  return { port, pid: child.pid as number, kill: () => child.kill() };
}

// The midpoint of the middle two for an even count (the rounds here are often 8 or 10), where stream-bench and
// ab-servers take the upper one; bench/RESULTS.md's ws-floor figures were computed this way.
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main(): Promise<void> {
  const { values: args, positionals: roots } = parseArgs({
    options: {
      fps: { type: 'string', default: '25' },
      closed: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '6' },
      seconds: { type: 'string', default: '8' },
    },
    allowPositionals: true,
  });
  // Closed loop (each session sends its next frame when the last is answered) runs every server at its own
  // saturation rate; the bare server, which answers at once, has none, so it sits that out.
  const fps = args.closed ? undefined : Number(args.fps);
  const rounds = Number(args.rounds);
  const seconds = Number(args.seconds);
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const bare = args.closed ? undefined : await spawnFloor('--serve-bare');
  const engine = await spawnFloor('--serve-engine');
  const server = await startServerProcess();
  const others = [];
  for (const root of roots) others.push(await startServerProcess({}, [], root));
  const targets = [
    ...(bare ? [{ name: 'bare ws', url: `ws://127.0.0.1:${bare.port}/`, pid: bare.pid }] : []),
    { name: 'ws + engine', url: `ws://127.0.0.1:${engine.port}/`, pid: engine.pid },
    { name: 'Framewire', url: server.wsUrl, pid: server.child.pid as number },
    ...others.map((other, i) => ({ name: roots[i], url: other.wsUrl, pid: other.child.pid as number })),
  ];
  const perAnswer: number[][] = targets.map(() => []);
  const load = (url: string, ms: number) => runLoad({ url, pipeline: 'detect_fast', sessions: 4, fps, frames, durationMs: ms });
  for (const target of targets) await load(target.url, 30_000); // each warmed to its steady state
  console.log(`4 sessions ${fps === undefined ? 'closed loop' : `at ${fps} frames/s each`}, ${seconds}-s runs alternating\n\n| round | ${targets.map((t) => `${t.name}: answers | JS ms an answer`).join(' | ')} |\n|---|${targets.map(() => '---|---').join('|')}|`);
  for (let round = 0; round < rounds; round++) {
    const cells: string[] = [];
    // Rotated, and reversed every other round, so no target always follows the same one.
    const order = targets.map((_, k) => (k + round) % targets.length);
    for (const i of round % 2 === 0 ? order : order.reverse()) {
      const before = mainThreadCpuMs(targets[i].pid);
      const run = await load(targets[i].url, seconds * 1000);
      perAnswer[i].push((mainThreadCpuMs(targets[i].pid) - before) / Math.max(1, run.results));
      cells[i] = `${run.results} | ${perAnswer[i][round].toFixed(3)}`;
    }
    console.log(`| ${round + 1} | ${cells.join(' | ')} |`);
  }
  if (roots.length > 0) {
    const reference = perAnswer[targets.length - roots.length];
    console.log(`\nJS ms an answer as a ratio to ${roots[0]}'s in the same round: median (range)\n`);
    targets.forEach((target, i) => {
      const ratios = perAnswer[i].map((v, r) => v / reference[r]);
      console.log(`- ${target.name}: ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)})`);
    });
  }
  bare?.kill();
  engine.kill();
  await server.stop();
  for (const other of others) await other.stop();
}

if (process.argv.includes('--serve-bare')) serve(bareAnswer());
else if (process.argv.includes('--serve-engine')) void engineAnswer().then(serve);
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
