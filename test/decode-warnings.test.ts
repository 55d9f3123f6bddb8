/**
 * libjpeg's corrupt-data warnings (issue 9, defect 9) never reach stderr, where an attacker could flood the log
 * with them: the decoder counts them and /metrics shows the count. The server runs as its own process, so its
 * real stderr is read.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

import test from 'ava';

import { PROJECT_ROOT } from '../src/config';
import { readMedia } from './helpers/media';

test('a corrupt but decodable frame is answered, counted in framewire_decoder_warnings_total, and stderr stays empty', async (t) => {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'src', 'server.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', FRAMEWIRE_WORKER_SLOTS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve) => {
    let seen = 0;
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { port?: number; msg?: string };
      if (typeof entry.port === 'number') seen = entry.port;
      if (entry.msg === 'models loaded and warmed up; ready') resolve(seen);
    });
  });
  // A tenth of the entropy-coded data cut out: libjpeg warns ("premature end of data segment") and decodes the rest.
  const messi = readMedia('messi5.jpg');
  const corrupt = Buffer.concat([messi.subarray(0, Math.floor(messi.length * 0.5)), messi.subarray(Math.floor(messi.length * 0.6))]);
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`http://127.0.0.1:${port}/v1/pipelines/detect/infer`, { method: 'POST', body: corrupt, headers: { 'Content-Type': 'image/jpeg' } });
    t.is(res.status, 200);
    await res.arrayBuffer();
  }
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const warnings = Number(/^framewire_decoder_warnings_total (\d+)/m.exec(metrics)?.[1]);
  t.true(warnings >= 20, `counted ${warnings}`);
  t.is(stderr, '', 'nothing on stderr');
});
