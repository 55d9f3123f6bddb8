/**
 * node dist/bench/stream/ws-floor.js [--fps 25] [--rounds 6] [--seconds 8]
 *
 * What the JS thread's CPU per frame cannot go below with ws on this machine: a bare ws server (the same
 * library and options as Framewire's endpoint, no Express, no scheduler, no engine) that answers each binary
 * frame at once with a result-sized text message, beside the real server, both driven by the same load
 * generator at the same open-loop rate (4 sessions at --fps each), alternating by round. Prints each round's
 * JS-thread CPU per answer for both (/proc, the main thread of each process).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import { WebSocketServer } from 'ws';

import { videoFramesAsJpeg } from '../../test/helpers/media';
import { runLoad } from './load-generator';
import { startServerProcess } from './server-process';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

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

/** CPU time of a process's main thread so far, ms (utime + stime, 10 ms ticks). */
function mainThreadCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function main(): Promise<void> {
  const fps = Number(arg('fps', '25'));
  const rounds = Number(arg('rounds', '6'));
  const seconds = Number(arg('seconds', '8'));
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
