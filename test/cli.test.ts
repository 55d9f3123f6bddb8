/**
 * The `framewire` CLI as a user runs it (a child process) against a real server: stream vtest.avi to JSONL and an
 * annotated MP4, infer, and the errors a user sees.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import test from 'ava';

import { INSTALL_HINT } from '../src/cli/opencv';
import { PROJECT_ROOT } from '../src/config';
import { artifactPath } from './helpers/artifacts';
import { mediaPath } from './helpers/media';
import cv from './helpers/opencv';
import { checkServerMessage } from './helpers/protocol-schemas';
import { runningServer } from './helpers/service';

const run = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'framewire.js');

let server: Awaited<ReturnType<typeof runningServer>>;
let dir: string;
test.before(async () => {
  // A frame waits for its turn at most a minute here: on a loaded machine (CI beside other jobs) a paced stream
  // must not lose frames as stale, so the assertions below can say "every frame has its result".
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', STREAM_MAX_FRAME_AGE_MS: '60000' });
  dir = mkdtempSync(path.join(tmpdir(), 'framewire-cli-'));
});
test.after.always(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function framewire(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return run(process.execPath, [CLI, ...args], { cwd: dir, timeout: 110_000 }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (err: { stdout: string; stderr: string; code: number }) => ({ stdout: err.stdout, stderr: err.stderr, code: err.code }),
  );
}

test.serial('stream vtest.avi --max-frames 100: 100 JSONL answers 0..99 and a 768x576 MP4 of 100 annotated frames', async (t) => {
  const jsonl = path.join(dir, 'out.jsonl');
  const out = path.join(dir, 'out.mp4');
  const { code, stdout, stderr } = await framewire(['stream', mediaPath('vtest.avi'), '--url', server.url, '--pipeline', 'detect_fast', '--max-frames', '100', '--as-fast-as-possible', '--jsonl', jsonl, '--out', out, '--no-progress']);
  t.is(code, 0, stderr);
  const lines = readFileSync(jsonl, 'utf8').trim().split('\n');
  t.is(lines.length, 100);
  const answers = lines.map((l) => JSON.parse(l) as { frame_index: number; result?: { detections: { label: string }[] } });
  t.deepEqual(answers.map((a) => a.frame_index), [...Array(100).keys()]);
  t.true(answers.every((a) => a.result !== undefined), 'one frame in flight: nothing dropped');
  t.deepEqual(answers.map(checkServerMessage).filter(Boolean), []);
  t.regex(stdout, /frames read 100, sent 100, results 100/);
  t.regex(stdout, /person \d+/);

  const capture = new cv.VideoCapture(out);
  t.is(capture.get(cv.CAP_PROP_FRAME_WIDTH), 768);
  t.is(capture.get(cv.CAP_PROP_FRAME_HEIGHT), 576);
  let frames = 0;
  let frame50;
  for (let mat = capture.read(); !mat.empty; mat = capture.read()) {
    if (frames === 50) frame50 = mat;
    frames += 1;
  }
  capture.release();
  t.is(frames, 100, 'OpenCV reads back every frame');
  cv.imwrite(artifactPath('cli-stream-frame50.png'), frame50!);
  // Boxes are drawn: the annotated frame differs from the source frame where people are.
  const source = new cv.VideoCapture(mediaPath('vtest.avi'));
  source.set(cv.CAP_PROP_POS_FRAMES, 50);
  const original = source.read();
  source.release();
  const diff = frame50!.absdiff(original).cvtColor(cv.COLOR_BGR2GRAY).threshold(60, 255, cv.THRESH_BINARY).countNonZero();
  t.true(diff > 2000, `annotations changed ${diff} pixels beyond codec noise`);
});

test.serial('stream --track --zones draws tracks, the line and its counts, and sums the counts up', async (t) => {
  const zones = path.join(dir, 'zones.json');
  writeFileSync(zones, JSON.stringify({ lines: [{ id: 'gate', from: [384, 0], to: [384, 576], labels: ['person'] }], zones: [{ id: 'road', polygon: [[0, 150], [768, 150], [768, 330], [0, 330]] }] }));
  const jsonl = path.join(dir, 'track.jsonl');
  const out = path.join(dir, 'track.mp4');
  const { code, stdout, stderr } = await framewire(['stream', mediaPath('vtest.avi'), '--url', server.url, '--pipeline', 'detect_fast', '--max-frames', '60', '--as-fast-as-possible', '--track', '--zones', zones, '--min-score', '0.4', '--jsonl', jsonl, '--out', out, '--no-progress']);
  t.is(code, 0, stderr);
  const answers = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { result: { detections: { label: string; score: number; track_id?: number }[]; counts: { lines: Record<string, unknown> } } });
  t.is(answers.length, 60);
  t.true(answers.every((a) => 'gate' in a.result.counts.lines));
  t.true(answers.every((a) => a.result.detections.every((d) => d.score >= 0.4)), '--min-score reaches the server');
  t.true(answers.some((a) => a.result.detections.some((d) => d.track_id !== undefined)));
  t.regex(stdout, /line gate: in .*; out /);
  t.regex(stdout, /zone road: /);
  const capture = new cv.VideoCapture(out);
  capture.set(cv.CAP_PROP_POS_FRAMES, 45);
  cv.imwrite(artifactPath('cli-track-frame45.png'), capture.read());
  capture.release();
});

test.serial('stream paces a file at its own fps by default and writes a progress bar to stderr', async (t) => {
  const { code, stderr, stdout } = await framewire(['stream', mediaPath('vtest.avi'), '--url', server.url, '--pipeline', 'detect_fast', '--max-frames', '12']);
  t.is(code, 0, stderr);
  t.regex(stderr, /12\/12/);
  t.regex(stdout, /frames read 12, sent 12, results 12/);
});

test('stream exits non-zero with the server\'s error code and detail', async (t) => {
  const unknown = await framewire(['stream', mediaPath('vtest.avi'), '--url', server.url, '--pipeline', 'nope', '--max-frames', '2', '--no-progress']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /invalid_pipeline: no pipeline "nope".*close 1008/);
  const badClass = await framewire(['stream', mediaPath('vtest.avi'), '--url', server.url, '--classes', 'cone', '--max-frames', '2', '--no-progress']);
  t.is(badClass.code, 1);
  t.regex(badClass.stderr, /invalid_parameter/);
  const missing = await framewire(['stream', path.join(dir, 'nothing.avi'), '--url', server.url]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /no such file or folder/);
  const badOption = await framewire(['stream', mediaPath('vtest.avi'), '--max-frames', 'ten']);
  t.not(badOption.code, 0);
  t.regex(badOption.stderr, /--max-frames/);
});

test('infer prints the REST result as JSON, or a table; min_score and classes pass through', async (t) => {
  const json = await framewire(['infer', mediaPath('messi5.jpg'), '--url', server.url, '--pipeline', 'detect']);
  t.is(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as { pipeline_id: string; detections: { label: string }[] };
  t.is(result.pipeline_id, 'detect');
  t.true(result.detections.some((d) => d.label === 'person'));
  const table = await framewire(['infer', mediaPath('messi5.jpg'), mediaPath('fruits.jpg'), '--url', server.url, '--table', '--classes', 'person', '--min-score', '0.5']);
  t.is(table.code, 0, table.stderr);
  const rows = table.stdout.trim().split('\n');
  t.regex(rows[0], /image\s+label\s+score/);
  t.true(rows.slice(1).every((r) => /messi5\.jpg\s+person|fruits\.jpg\s+\(none\)/.test(r)), table.stdout);
});

test('a missing @u4/opencv4nodejs names the command that installs it', async (t) => {
  // A preload that makes the package unresolvable, as on a server-only install.
  const hide = path.join(dir, 'hide-opencv.js');
  writeFileSync(hide, `
    const Module = require('node:module');
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (request.startsWith('@u4/opencv')) throw new Error("Cannot find module '" + request + "'");
      return resolve.call(this, request, ...rest);
    };
  `);
  const result = await run(process.execPath, ['--require', hide, CLI, 'stream', mediaPath('vtest.avi')]).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => err,
  );
  t.is(result.code, 1);
  t.true(result.stderr.includes(INSTALL_HINT), result.stderr);
});

test('serve runs the server as npm start does: JSON logs, ready, SIGTERM exits 0', async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve'], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', FRAMEWIRE_WORKER_SLOTS: '1', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
        lines.push(JSON.parse(buffered.slice(0, i)) as Record<string, unknown>); // every stdout line is a JSON log line
        buffered = buffered.slice(i + 1);
      }
      const port = lines.find((l) => typeof l.port === 'number')?.port as number | undefined;
      if (port !== undefined && lines.some((l) => String(l.msg).includes('ready'))) resolve(port);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code} before ready`)));
  });
  const port = await ready;
  t.is((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.true(lines.some((l) => l.msg === 'http_request' && (l.req as { path: string }).path === '/readyz'), 'the access log');
});
