/** The examples a new integrator copies, run as they are against a real server: Node SDK, Python, README curl. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import test from 'ava';

import { PROJECT_ROOT } from '../src/config';
import { MEDIA_DIR, mediaPath } from './helpers/media';
import { checkRestSchema, checkServerMessage } from './helpers/protocol-schemas';
import { refusingServer } from './helpers/refusing-server';
import { runningServer } from './helpers/service';

const run = promisify(execFile);
/** Debian's python3, which has python3-websockets and python3-opencv (a pyenv python3 on PATH may not). */
const PYTHON = '/usr/bin/python3';

let server: Awaited<ReturnType<typeof runningServer>>;
let dir: string;
test.before(async () => {
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  dir = mkdtempSync(path.join(tmpdir(), 'framewire-examples-'));
});
test.after.always(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('examples/node-stream.ts streams a folder of frames made by extract_frames.py', async (t) => {
  const frames = path.join(dir, 'frames');
  await run(PYTHON, [path.join(PROJECT_ROOT, 'examples', 'python', 'extract_frames.py'), mediaPath('vtest.avi'), frames, '10']);
  t.is(readdirSync(frames).length, 10);
  const { stdout } = await run(process.execPath, [path.join(PROJECT_ROOT, 'dist', 'examples', 'node-stream.js'), frames, server.url, 'detect_fast']);
  const lines = stdout.trim().split('\n');
  t.is(lines.length, 10);
  lines.forEach((line, i) => t.regex(line, new RegExp(`^0000${i}\\.jpg frame ${i}: \\d+ objects`)));
  t.true(lines.some((l) => l.includes('person')));
});

test('examples/python/stream_video.py streams a video with Debian\'s python3-websockets and python3-opencv', async (t) => {
  const { stdout } = await run(PYTHON, [path.join(PROJECT_ROOT, 'examples', 'python', 'stream_video.py'), mediaPath('vtest.avi'), '--url', server.url, '--pipeline', 'detect_fast', '--max-frames', '15']);
  const messages = stdout.trim().split('\n').map((l) => JSON.parse(l) as { frame_index: number; result?: unknown });
  t.deepEqual(messages.map((m) => m.frame_index), [...Array(15).keys()]);
  t.true(messages.every((m) => m.result !== undefined));
  t.deepEqual(messages.map(checkServerMessage).filter(Boolean), []);
});

test('examples/python/stream_video.py retries an upgrade refused with 503 (a draining server) and stops on a 404', async (t) => {
  const refuser = await refusingServer(503, 404);
  t.teardown(() => refuser.close());
  const failed = await run(PYTHON, [path.join(PROJECT_ROOT, 'examples', 'python', 'stream_video.py'), mediaPath('vtest.avi'), '--url', refuser.url, '--max-frames', '1']).then(
    () => undefined,
    (err: { code: number; stderr: string }) => err,
  );
  t.is(failed?.code, 1);
  t.is(refuser.upgrades(), 2, 'one retry after the 503, none after the 404');
  t.regex(failed!.stderr, /upgrade refused: HTTP 503[\s\S]*upgrade refused: HTTP 404/);
});

test('the README\'s curl command answers the documented result', async (t) => {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const command = /^curl .*$/m.exec(readme)?.[0];
  t.truthy(command);
  const { stdout } = await run('bash', ['-c', command!.replace('http://localhost:8080', server.url)], { cwd: MEDIA_DIR });
  const result = JSON.parse(stdout) as { pipeline_id: string; detections: { label: string }[] };
  t.is(checkRestSchema('FrameResult', result), undefined);
  t.is(result.pipeline_id, 'detect');
  t.is(result.detections[0].label, 'person');
});
