/**
 * node dist/bench/stream/ws-floor.js [--fps 25] [--rounds 6] [--seconds 8]
 *
 * What the JS thread's CPU per frame cannot go below with ws on this machine: a bare ws server (the same
 * library and options as Framewire's endpoint except its frame-size limit, no Express, no scheduler, no engine) that answers each binary
 * frame at once with a result-sized text message, beside the real server, both driven by the same load
 * generator at the same open-loop rate (4 sessions at --fps each), alternating by round. Prints each round's
 * JS-thread CPU per answer for both (/proc, the main thread of each process).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { parseArgs } from 'node:util';

import { WebSocketServer } from 'ws';

import { videoFramesAsJpeg } from '../../test/helpers/media';
import { runLoad } from './load-generator';
import { mainThreadCpuMs, startServerProcess } from './server-process';

/** A result of the size detect_fast sends for a street frame (about 900 bytes), with timings_ms.total last. */
function resultText(): string {
  const detection = '{"label":"person","score":0.87,"box":{"x":101.5,"y":220.25,"width":40.5,"height":96.75}}';
  return `{"pipeline_id":"detect_fast","width":768,"height":576,"detections":[${Array(8).fill(detection).join(',')}],"timings_ms":{"decode":2.1,"inference":6.3,"total":8.9}}`;
}

/** The bare server: says session_started, then answers every binary frame with the next frame_index. */
function serve(): void {
  const result = resultText();
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024, clientTracking: false });
  server.on('upgrade', (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send('{"event":"session_started","session_id":"floor","pipeline_id":"detect_fast"}');
      let index = 0;
      ws.on('message', (_data, isBinary) => {
        if (isBinary) ws.send(`{"frame_index":${index++},"result":${result}}`);
      });
    }),
  );
  server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as { port: number }).port}\n`));
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { fps: { type: 'string', default: '25' }, rounds: { type: 'string', default: '6' }, seconds: { type: 'string', default: '8' } },
  });
  const fps = Number(args.fps);
  const rounds = Number(args.rounds);
  const seconds = Number(args.seconds);
  const frames = videoFramesAsJpeg('vtest.avi', 0, 100);
  const bare = spawn(process.execPath, [__filename, '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => bare.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  const server = await startServerProcess();
  const targets = [
    { name: 'bare ws', url: `ws://127.0.0.1:${port}/`, pid: bare.pid as number },
    { name: 'Framewire', url: server.wsUrl, pid: server.child.pid as number },
  ];
  const load = (url: string, ms: number) => runLoad({ url, pipeline: 'detect_fast', sessions: 4, fps, frames, durationMs: ms });
  for (const target of targets) await load(target.url, 30_000); // both warmed to their steady state
  console.log(`4 sessions at ${fps} frames/s each, ${seconds}-s runs alternating\n\n| round | ${targets.map((t) => `${t.name}: answers | JS ms an answer`).join(' | ')} |\n|---|${targets.map(() => '---|---').join('|')}|`);
  for (let round = 0; round < rounds; round++) {
    const cells: string[] = [];
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const before = mainThreadCpuMs(targets[i].pid);
      const run = await load(targets[i].url, seconds * 1000);
      cells[i] = `${run.results} | ${((mainThreadCpuMs(targets[i].pid) - before) / Math.max(1, run.results)).toFixed(3)}`;
    }
    console.log(`| ${round + 1} | ${cells.join(' | ')} |`);
  }
  bare.kill();
  await server.stop();
}

if (process.argv.includes('--serve')) serve();
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
