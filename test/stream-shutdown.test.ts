/** Graceful shutdown of the real server process on SIGTERM: nothing accepted is lost. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

import test, { type ExecutionContext } from 'ava';

import { PROJECT_ROOT } from '../src/config';
import { vtestFrames } from './helpers/frames';
import { StreamClient } from './helpers/stream-client';
import { waitUntil } from './helpers/wait';

/** The real server as its own process (so SIGTERM is real), with its pino lines collected. */
async function serverProcess(t: ExecutionContext): Promise<{ port: number; lines: Record<string, unknown>[]; exited: Promise<number | null>; kill: (signal: NodeJS.Signals) => void }> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'src', 'server.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', FRAMEWIRE_WORKER_SLOTS: '2' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => child.kill('SIGKILL'));
  let port = 0;
  const lines: Record<string, unknown>[] = [];
  await new Promise<void>((resolve) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (typeof entry.port === 'number') port = entry.port;
      if (entry.msg === 'models loaded and warmed up; ready') resolve();
    });
  });
  return { port, lines, exited, kill: (signal) => child.kill(signal) };
}

// Which frame is in flight or waiting at the signal is a race the real process cannot fix: under ASan (CI,
// 2026-12-01) a burst sent 30 ms before SIGTERM was sometimes all answered before it landed, and a client that
// stalls leaves its slot idle. So this test streams, and checks what holds whatever the timing; the exact
// in-flight/waiting/on-the-wire cases are held deterministic in stream-service.test.ts ("shutdown: ...").
/**
 * Each client sends vtest frames every `everyMs` without waiting for answers, until it is told `draining` (as
 * every client should) or its socket closes. The returned counts (frames sent, per client) grow as it goes.
 */
function sendUntilDraining(clients: readonly StreamClient[], everyMs: number): number[] {
  const frames = vtestFrames(4);
  const sent = clients.map(() => 0);
  clients.forEach((c, i) => {
    const timer = setInterval(() => {
      if (c.messages.some((m) => m.event === 'draining')) return clearInterval(timer);
      if (c.ws.readyState === c.ws.OPEN) c.send(frames[sent[i]++ % frames.length]);
    }, everyMs);
    void c.closed.then(() => clearInterval(timer));
  });
  return sent;
}

test('SIGTERM: draining sent, every frame answered once (after draining only the in-flight result and dropped/shutdown), sessions closed 1001, exit 0 within 10 s', async (t) => {
  const { port, lines, exited, kill } = await serverProcess(t);

  // detect_accurate takes ~40 ms a frame and each client sends one every 5 ms until it is told `draining`: as a
  // rule each session has a frame in flight and one waiting when the signal lands.
  const clients = await Promise.all([1, 2].map(() => StreamClient.session(`ws://127.0.0.1:${port}/ws/video/stream?pipeline_id=detect_accurate`)));
  const sent = sendUntilDraining(clients, 5);
  // SIGTERM once each session has answered results in a steady stream (counted, not timed).
  await Promise.all(clients.map((c) => c.waitForCount((m) => 'result' in m, 2)));
  const killedAt = Date.now();
  kill('SIGTERM');

  const closes = await Promise.all(clients.map((c) => c.closed));
  const code = await exited;
  t.is(code, 0);
  t.true(Date.now() - killedAt < 10_000);
  for (const [i, c] of clients.entries()) {
    t.is(closes[i].code, 1001);
    const draining = c.messages.findIndex((m) => m.event === 'draining');
    t.true(draining >= 0, 'the session was told it is draining');
    t.regex(c.messages[draining].detail as string, /send no more frames/);
    const indexes = c.answers().map((m) => m.frame_index as number).sort((a, b) => a - b);
    t.deepEqual(indexes, Array.from({ length: sent[i] }, (_v, k) => k), 'every frame sent was answered exactly once');
    const afterDraining = c.messages.slice(draining + 1).filter((m) => 'frame_index' in m);
    t.true(afterDraining.filter((m) => 'result' in m).length <= 1, 'after draining, a result only for the one frame in flight');
    t.true(afterDraining.every((m) => 'result' in m || m.cause === 'shutdown'), 'after draining, nothing runs: waiting frames and frames still arriving are dropped/shutdown');
  }
  t.true(lines.some((l) => l.msg === 'shutdown complete'));
});

// Issue 9, defect 6, and issue 12. This holds the invariant end to end under load: clients flood until they are
// told `draining`, so frames are still on the wire when it goes out; the server keeps reading until the wire is
// quiet, so every frame a client sent is received and answered exactly once before the close.
test('SIGTERM under a flood: a client that stops on draining gets every frame it sent answered exactly once', async (t) => {
  const { port, lines, exited, kill } = await serverProcess(t);
  const clients = await Promise.all([1, 2, 3].map(() => StreamClient.session(`ws://127.0.0.1:${port}/ws/video/stream?pipeline_id=detect_fast`)));
  // Each client sends without waiting for answers until it is told `draining`: frames are on the wire at SIGTERM.
  const sent = sendUntilDraining(clients, 3);
  // SIGTERM once every client has a flood going (counted, not timed: this machine's speed varies).
  await waitUntil(() => sent.every((n) => n > 20));
  kill('SIGTERM');
  const closes = await Promise.all(clients.map((c) => c.closed));
  t.is(await exited, 0);
  const received = lines.filter((l) => l.msg === 'stream_disconnect').map((l) => [l.session_id, l.frames_received] as const);
  t.is(received.length, 3);
  for (const [i, c] of clients.entries()) {
    t.is(closes[i].code, 1001);
    const sessionId = (c.messages.find((m) => m.event === 'session_started') as { session_id: string }).session_id;
    const count = received.find(([id]) => id === sessionId)?.[1] as number;
    t.true(count > 10, `the flood reached the server (${count} frames)`);
    t.is(count, sent[i], 'the server received every frame the client sent before it stopped');
    const indexes = c.answers().map((m) => m.frame_index as number).sort((a, b) => a - b);
    t.deepEqual(indexes, Array.from({ length: count }, (_v, k) => k), 'each of the frames the server received got one answer');
  }
});
