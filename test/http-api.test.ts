/** HTTP: every endpoint and every error status, against a real server on a loopback port. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

import test from 'ava';

import { createApp } from '../src/api/app';
import { localInferenceGate } from '../src/services/streaming';
import { HttpDrain } from '../src/api/http-drain';
import { createLogger } from '../src/logger';
import { Metrics } from '../src/metrics';
import { readManifest } from '../src/models/manifest';
import { VideoFilePipelineService } from '../src/services/pipeline';
import { FrameScheduler } from '../src/services/streaming';
import { jpegHeaderOnly } from './helpers/jpeg-bytes';
import { readMedia } from './helpers/media';
import { iou, runningServer, testConfig } from './helpers/service';

let server: Awaited<ReturnType<typeof runningServer>>;
test.before(async () => {
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_MAX_FRAME_BYTES: '200000' });
});
test.after.always(async () => server?.close());

const jpeg = { 'Content-Type': 'image/jpeg' };
async function post(path: string, body: Buffer, headers: Record<string, string> = jpeg): Promise<Response> {
  return fetch(server.url + path, { method: 'POST', body, headers });
}

test('GET /healthz and /readyz answer 200 once loaded', async (t) => {
  t.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: 'ok' });
  const ready = await fetch(`${server.url}/readyz`);
  t.is(ready.status, 200);
});

test('GET /v1/pipelines lists every pipeline with its labels, nodes and input sizes', async (t) => {
  const body = (await (await fetch(`${server.url}/v1/pipelines`)).json()) as {
    default_pipeline: string;
    pipelines: { id: string; description: string; labels: string[]; nodes: Record<string, unknown>[] }[];
  };
  t.is(body.default_pipeline, 'detect');
  t.deepEqual(body.pipelines.map((p) => p.id), ['detect', 'detect_fast', 'detect_accurate', 'faces', 'people_faces', 'text', 'objects_text']);
  t.deepEqual(body.pipelines.find((p) => p.id === 'objects_text')!.nodes, [
    { id: 'objects', kind: 'detector', model: 'yolo-fastest-1.1-xl', input: { width: 320, height: 320 } },
    { id: 'texts', kind: 'text', model: 'ppocr-v4-det', input: { width: 640, height: 640 }, recognizer: 'tesseract-eng', max_lines: 50, within: 'objects' },
  ]);
  const peopleFaces = body.pipelines.find((p) => p.id === 'people_faces')!;
  t.deepEqual(peopleFaces.nodes, [
    { id: 'persons', kind: 'detector', model: 'yolo-fastest-1.1-xl', input: { width: 320, height: 320 } },
    { id: 'faces', kind: 'faces', model: 'yunet', input: { width: 640, height: 480 } },
  ]);
  t.true(body.pipelines.every((p) => p.description.length > 0));
  t.deepEqual(peopleFaces.labels, ['person', 'face'], 'the class filter applies; faces are labelled face');
  const detect = body.pipelines.find((p) => p.id === 'detect')!;
  t.is(detect.labels.length, 80);
  t.true(detect.labels.includes('sports ball'));
  t.deepEqual(body.pipelines.find((p) => p.id === 'faces')!.labels, ['face']);
  t.deepEqual(body.pipelines.find((p) => p.id === 'objects_text')!.labels, ['book', 'cell phone', 'tvmonitor', 'laptop']);
  t.deepEqual(body.pipelines.find((p) => p.id === 'text')!.labels, [], 'text lines carry no label');
});

test('POST /v1/pipelines/detect/infer returns the result schema', async (t) => {
  const res = await post('/v1/pipelines/detect/infer', readMedia('messi5.jpg'));
  t.is(res.status, 200);
  const body = (await res.json()) as { pipeline_id: string; image: object; detections: { label: string; box: { x: number; y: number; width: number; height: number } }[]; timings_ms: object };
  t.is(body.pipeline_id, 'detect');
  t.deepEqual(body.image, { width: 548, height: 342 });
  t.true(body.detections.some((d) => d.label === 'person' && iou(d.box, { x: 162, y: 75, width: 289, height: 268 }) > 0.5));
  t.deepEqual(Object.keys(body.timings_ms), ['decode', 'inference', 'postprocess', 'total']);
});

const errorCases: [string, () => Promise<Response>, number, string][] = [
  ['a non-JPEG body', () => post('/v1/pipelines/detect/infer', Buffer.from('not a jpeg')), 400, 'invalid_frame'],
  ['a 60000x60000 header', () => post('/v1/pipelines/detect/infer', jpegHeaderOnly(60000, 60000)), 400, 'invalid_frame'],
  ['an empty body', () => post('/v1/pipelines/detect/infer', Buffer.alloc(0)), 400, 'invalid_frame'],
  ['an unknown pipeline', () => post('/v1/pipelines/nope/infer', readMedia('messi5.jpg')), 404, 'invalid_pipeline'],
  ['a body over the byte limit', () => post('/v1/pipelines/detect/infer', Buffer.alloc(300000, 0xff)), 413, 'frame_too_large'],
  ['a PNG content type', () => post('/v1/pipelines/detect/infer', readMedia('basketball1.png'), { 'Content-Type': 'image/png' }), 415, 'unsupported_media_type'],
  ['no content type', () => post('/v1/pipelines/detect/infer', readMedia('messi5.jpg'), {}), 415, 'unsupported_media_type'],
  ['an unknown route', () => fetch(`${server.url}/v2/nothing`), 404, 'not_found'],
  // Issue 9, defect 10: client faults used to answer 500 internal_error.
  ['a bad percent-escape in the pipeline id (%zz)', () => post('/v1/pipelines/%zz/infer', readMedia('messi5.jpg')), 400, 'invalid_request'],
  ['a lone % in the pipeline id', () => post('/v1/pipelines/%/infer', readMedia('messi5.jpg')), 400, 'invalid_request'],
  ['a truncated UTF-8 escape (%E0%A4%A)', () => post('/v1/pipelines/%E0%A4%A/infer', readMedia('messi5.jpg')), 400, 'invalid_request'],
  ['an unknown Content-Encoding', () => post('/v1/pipelines/detect/infer', readMedia('messi5.jpg'), { ...jpeg, 'Content-Encoding': 'bogus' }), 415, 'unsupported_media_type'],
  ['Content-Encoding gzip on a plain body', () => post('/v1/pipelines/detect/infer', readMedia('messi5.jpg'), { ...jpeg, 'Content-Encoding': 'gzip' }), 400, 'invalid_request'],
  ['Content-Encoding br on a plain body', () => post('/v1/pipelines/detect/infer', readMedia('messi5.jpg'), { ...jpeg, 'Content-Encoding': 'br' }), 400, 'invalid_request'],
  ['a truncated gzip body', () => post('/v1/pipelines/detect/infer', gzipSync(readMedia('messi5.jpg')).subarray(0, 5000), { ...jpeg, 'Content-Encoding': 'gzip' }), 400, 'invalid_request'],
];

test('a gzip-encoded JPEG body is decoded and answered', async (t) => {
  const res = await post('/v1/pipelines/detect/infer', gzipSync(readMedia('messi5.jpg')), { ...jpeg, 'Content-Encoding': 'gzip' });
  t.is(res.status, 200);
  t.true(((await res.json()) as { detections: unknown[] }).detections.length > 0);
});

for (const [name, send, status, code] of errorCases) {
  test(`${name} answers ${status} ${code} with exactly error and detail`, async (t) => {
    const res = await send();
    t.is(res.status, status);
    const body = (await res.json()) as Record<string, unknown>;
    t.deepEqual(Object.keys(body).sort(), ['detail', 'error']);
    t.is(body.error, code);
    t.true(typeof body.detail === 'string' && body.detail.length > 0);
  });
}

test('/readyz is 503 not_ready until the models are loaded, then 200', async (t) => {
  const config = testConfig({ FRAMEWIRE_WORKER_SLOTS: '1' });
  const service = await VideoFilePipelineService.create(config, readManifest());
  const scheduler = new FrameScheduler(service.slots, (pipelineId, bytes) => service.runFrame(pipelineId, bytes));
  const metrics = new Metrics((id) => id);
  const app = http.createServer(createApp({ gate: localInferenceGate(service, scheduler, metrics), ready: () => service.ready, metrics, maxFrameBytes: config.maxFrameBytes, log: createLogger('silent'), drain: new HttpDrain(() => true) }));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  try {
    const before = await fetch(`${url}/readyz`);
    t.is(before.status, 503);
    t.is(((await before.json()) as { error: string }).error, 'not_ready');
    const infer = await fetch(`${url}/v1/pipelines/detect/infer`, { method: 'POST', body: readMedia('messi5.jpg'), headers: jpeg });
    t.is(infer.status, 503);
    await service.load();
    t.is((await fetch(`${url}/readyz`)).status, 200);
  } finally {
    app.close();
  }
});

test('HTTP requests beyond FRAMEWIRE_MAX_QUEUED_REQUESTS answer 503 server_busy with Retry-After, the rest 200 (issue 9, defect 15)', async (t) => {
  const busy = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_MAX_QUEUED_REQUESTS: '2' });
  t.teardown(() => busy.close());
  const frame = readMedia('messi5.jpg');
  const answers = await Promise.all(Array.from({ length: 24 }, () => fetch(`${busy.url}/v1/pipelines/detect_accurate/infer`, { method: 'POST', body: frame, headers: jpeg })));
  const refused = answers.filter((r) => r.status === 503);
  t.true(refused.length > 0, 'a burst of 24 against 1 slot and 2 waiting places is partly refused');
  t.true(answers.every((r) => r.status === 200 || r.status === 503), answers.map((r) => r.status).join(','));
  for (const r of refused) {
    t.is(r.headers.get('retry-after'), '1');
    t.is(((await r.json()) as { error: string }).error, 'server_busy');
  }
  t.true(answers.filter((r) => r.status === 200).length >= 3, 'the running and the waiting requests are answered');
});
