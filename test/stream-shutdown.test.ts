/** Graceful shutdown of the real server process on SIGTERM: nothing accepted is lost. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

import test from 'ava';

import { PROJECT_ROOT } from '../src/config';
import { vtestFrames } from './helpers/frames';
import { StreamClient } from './helpers/stream-client';

test('SIGTERM: frames in flight answered, waiting ones dropped/shutdown, sessions closed 1001, exit 0 within 10 s', async (t) => {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'src', 'server.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', FRAMEWIRE_WORKER_SLOTS: '2' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(() => child.kill('SIGKILL'));
  let port = 0;
  const lines: Record<string, unknown>[] = [];
  const ready = new Promise<void>((resolve) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (typeof entry.port === 'number') port = entry.port;
      if (entry.msg === 'models loaded and warmed up; ready') resolve();
    });
  });
  await ready;

  // detect_accurate takes ~40 ms a frame: when SIGTERM lands, each session has one frame in flight and one waiting.
  const clients = await Promise.all([1, 2].map(() => StreamClient.connect(`ws://127.0.0.1:${port}/ws/video/stream?pipeline_id=detect_accurate`)));
  await Promise.all(clients.map((c) => c.waitFor((m) => m.event === 'session_started')));
  const frames = vtestFrames(10);
  for (const c of clients) for (const f of frames) c.send(f);
  await new Promise((r) => setTimeout(r, 30));
  const killedAt = Date.now();
  child.kill('SIGTERM');

  const closes = await Promise.all(clients.map((c) => c.closed));
  const code = await exited;
  t.is(code, 0);
  t.true(Date.now() - killedAt < 10_000);
  for (const [i, c] of clients.entries()) {
    t.is(closes[i].code, 1001);
    const indexes = c.answers().map((m) => m.frame_index as number).sort((a, b) => a - b);
    t.deepEqual(indexes, frames.map((_f, k) => k), 'every frame sent was answered exactly once');
    t.true(c.answers().some((m) => m.cause === 'shutdown'), 'the waiting frame was answered dropped/shutdown');
    t.true(c.answers().some((m) => 'result' in m), 'the in-flight frame was answered with its result');
  }
  t.true(lines.some((l) => l.msg === 'shutdown complete'));
});
