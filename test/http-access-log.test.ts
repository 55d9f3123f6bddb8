/** The HTTP access log with request ids, ISO timestamps, and optional CORS, on the real server. */
import test from 'ava';

import { loadConfig } from '../src/config';
import { readMedia } from './helpers/media';
import { runningServer } from './helpers/service';
import { waitUntil } from './helpers/wait';

test('every request is logged once at info with method, path, status, bytes, ms and the request id it echoes', async (t) => {
  const logs: Record<string, unknown>[] = [];
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' }, logs);
  try {
    const given = await fetch(`${server.url}/v1/pipelines/detect/infer?min_score=0.5`, { method: 'POST', body: readMedia('messi5.jpg'), headers: { 'Content-Type': 'image/jpeg', 'X-Request-Id': 'trace-42' } });
    t.is(given.headers.get('x-request-id'), 'trace-42');
    const body = await given.text();
    const made = await fetch(`${server.url}/nowhere`);
    const madeId = made.headers.get('x-request-id') ?? '';
    t.regex(madeId, /^[0-9a-f-]{36}$/);
    const bad = await fetch(`${server.url}/healthz`, { headers: { 'X-Request-Id': 'x'.repeat(300) } });
    t.not(bad.headers.get('x-request-id'), 'x'.repeat(300), 'an overlong id is replaced');
    // A line is written when the server's response finishes, which may be after the client read the headers:
    // wait for the three (counted, not timed).
    await waitUntil(() => logs.filter((l) => l.msg === 'http_request').length >= 3);
    const access = logs.filter((l) => l.msg === 'http_request');
    const infer = access.find((l) => l.request_id === 'trace-42');
    t.like(infer, { level: 30, req: { method: 'POST', path: '/v1/pipelines/detect/infer?min_score=0.5' }, res: { status: 200, bytes: Buffer.byteLength(body) } });
    t.is(typeof infer?.ms, 'number');
    t.regex(String(infer?.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'ISO 8601 timestamps');
    t.like(access.find((l) => l.request_id === madeId), { res: { status: 404 } });
    t.is(access.filter((l) => l.request_id === 'trace-42').length, 1);
  } finally {
    await server.close();
  }
});

test('CORS is off by default and answers the configured origins when FRAMEWIRE_CORS_ORIGINS is set', async (t) => {
  const plain = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  const cors = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_CORS_ORIGINS: 'http://app.example:3000' });
  try {
    const headers = { Origin: 'http://app.example:3000' };
    t.is((await fetch(`${plain.url}/v1/pipelines`, { headers })).headers.get('access-control-allow-origin'), null);
    t.is((await fetch(`${cors.url}/v1/pipelines`, { headers })).headers.get('access-control-allow-origin'), 'http://app.example:3000');
    const preflight = await fetch(`${cors.url}/v1/pipelines/detect/infer`, {
      method: 'OPTIONS',
      headers: { ...headers, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    t.is(preflight.status, 204);
    t.is(preflight.headers.get('access-control-allow-origin'), 'http://app.example:3000');
    t.regex(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    const other = await fetch(`${cors.url}/v1/pipelines`, { headers: { Origin: 'http://evil.example' } });
    t.is(other.headers.get('access-control-allow-origin'), null);
  } finally {
    await plain.close();
    await cors.close();
  }
});

test('FRAMEWIRE_CORS_ORIGINS is validated at start', (t) => {
  t.deepEqual(loadConfig({ FRAMEWIRE_CORS_ORIGINS: '*' }).corsOrigins, ['*']);
  t.throws(() => loadConfig({ FRAMEWIRE_CORS_ORIGINS: '*,http://a.example' }), { message: /FRAMEWIRE_CORS_ORIGINS/ });
  t.throws(() => loadConfig({ FRAMEWIRE_CORS_ORIGINS: 'http://a.example/path' }), { message: /FRAMEWIRE_CORS_ORIGINS/ });
  t.throws(() => loadConfig({ FRAMEWIRE_DEMO: 'maybe' }), { message: /FRAMEWIRE_DEMO/ });
});
