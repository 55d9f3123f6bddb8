/**
 * /demo in real headless Chromium (Debian's, driven by puppeteer-core; no browser download): the fake camera
 * plays a clip made from vtest.avi, the page streams it through the SDK, and results arrive and boxes are drawn.
 * The screenshot is saved as a test artefact (test-artifacts/demo-chromium.png).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import test from 'ava';
import puppeteer, { type Browser } from 'puppeteer-core';

import type { TrackCounts } from '../src/protocol/result';
import { artifactPath } from './helpers/artifacts';
import { mediaPath } from './helpers/media';
import { runningServer } from './helpers/service';
import { writeY4m } from './helpers/y4m';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface DemoState {
  results: number;
  dropped: number;
  boxesDrawn: number;
  errors: string[];
  configured: number;
  lastResult?: { pipeline_id: string; image: { width: number; height: number }; detections: { label: string; track_id?: number }[]; counts?: TrackCounts };
}

let server: Awaited<ReturnType<typeof runningServer>>;
let browser: Browser;
let dir: string;

test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: bash scripts/setup.sh test installs Debian's chromium`);
  dir = mkdtempSync(path.join(tmpdir(), 'framewire-demo-'));
  const clip = path.join(dir, 'vtest.y4m');
  writeY4m(mediaPath('vtest.avi'), clip, 60);
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: path.join(dir, 'profile'),
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${clip}`,
    ],
  });
});
test.after.always(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the demo streams the camera through the SDK, draws boxes and shows live stats', async (t) => {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  /** The page's demo state, copied in the page at the moment `condition` (page-side code) first holds. */
  const demoStateWhen = async (condition: string): Promise<DemoState> => {
    const handle = await page.waitForFunction(`(${condition}) && JSON.stringify(window.framewireDemo)`, { timeout: 60_000 });
    return JSON.parse((await handle.jsonValue()) as string) as DemoState;
  };
  await page.setViewport({ width: 1280, height: 760 });
  await page.goto(`${server.url}/demo`, { waitUntil: 'load' });
  t.is(new URL(page.url()).pathname, '/demo/');
  await page.waitForSelector('#pipeline option[value="detect_fast"]');
  await page.select('#pipeline', 'detect_fast');
  await page.click('#start');
  // Page-side code as strings: this file is compiled for Node, without the DOM's types.
  // A result with a person in it, not whichever frame is last: the fake camera loops a 6 s clip.
  // The state is copied at the moment the condition holds (a later read could see the next result).
  const state = await demoStateWhen("window.framewireDemo.results >= 15 && window.framewireDemo.boxesDrawn > 0 && window.framewireDemo.lastResult.detections.some((d) => d.label === 'person')");
  t.deepEqual(state.errors, []);
  t.deepEqual(pageErrors, []);
  t.is(state.lastResult?.pipeline_id, 'detect_fast');
  t.deepEqual(state.lastResult?.image, { width: 640, height: 480 }, 'the clip, scaled by chromium to the 640x480 the page asks for');
  t.is(state.dropped, 0, 'one frame in flight: the server drops none');
  t.true(state.lastResult!.detections.some((d) => d.label === 'person'));
  // The overlay holds drawn pixels (boxes), and the stats are live.
  const painted = (await page.evaluate(`(() => {
    const canvas = document.getElementById('overlay');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n += 1;
    return n;
  })()`)) as number;
  t.true(painted > 500, `${painted} overlay pixels drawn`);
  t.regex(await page.$eval('#results', (e) => e.textContent ?? ''), /^\d+$/);
  t.regex(await page.$eval('#latency', (e) => e.textContent ?? ''), /^\d+ ms$/);
  t.regex(await page.$eval('#objects', (e) => e.textContent ?? ''), /person \d+/);
  await page.screenshot({ path: artifactPath('demo-chromium.png') });

  // A counting line drawn with the mouse: the page configures it, and the counts come back in the results.
  const box = (await (await page.$('#overlay'))!.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 5, { steps: 4 });
  await page.mouse.up();
  await page.waitForFunction('window.framewireDemo.configured >= 1 && window.framewireDemo.lastResult.counts !== undefined', { timeout: 30_000 });
  const before = ((await page.evaluate('window.framewireDemo.results')) as number);
  // Ten more results, the last with a confirmed track: just after the clip loops every track is new (unconfirmed).
  const tracked = await demoStateWhen(`window.framewireDemo.results >= ${before + 10} && window.framewireDemo.lastResult.detections.some((d) => d.track_id !== undefined)`);
  t.deepEqual(tracked.errors, []);
  // The line's per-label counts (a person may or may not have crossed it yet: the clip's people walk across).
  const line = tracked.lastResult?.counts?.lines.line;
  t.truthy(line, 'the line drawn is counted');
  for (const side of [line?.in, line?.out]) {
    t.is(typeof side, 'object');
    t.true(Object.values(side ?? {}).every((n) => Number.isInteger(n) && n > 0), `counts per label: ${JSON.stringify(side)}`);
  }
  t.true(tracked.lastResult!.detections.some((d) => d.track_id !== undefined), 'track ids are shown');
  t.regex(await page.$eval('#counts', (e) => e.textContent ?? ''), /^line: in /);
  await page.screenshot({ path: artifactPath('demo-chromium-line.png') });
  await page.click('#stop');
  await page.close();
});

test('FRAMEWIRE_DEMO=false turns /demo off', async (t) => {
  const off = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_DEMO: 'false' });
  try {
    const res = await fetch(`${off.url}/demo/`);
    t.is(res.status, 404);
    t.like(await res.json(), { error: 'not_found' });
  } finally {
    await off.close();
  }
});
