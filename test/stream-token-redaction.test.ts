/**
 * The stream's bearer token never reaches the log (issue 9, defect 13): refused upgrades are logged with their
 * URL, and the token may ride in it (`?token=`), right or wrong, once or repeated. Every log line of refused and
 * accepted upgrades, at debug level, is searched for the token and for near misses of it.
 */
import http from 'node:http';

import test from 'ava';

import { redactedUrl } from '../src/api/stream/upgrade-gate';
import { runningServer } from './helpers/service';
import { StreamClient } from './helpers/stream-client';

const TOKEN = 'secret-token-0123456789abcdef';
const NEAR_MISS = 'secret-token-0123456789abcdeX';

/** Sends a raw upgrade request and resolves with the HTTP status of the answer (101 for an accepted one). */
function upgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', path, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers } });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('redactedUrl replaces every token value and keeps the rest', (t) => {
  t.is(redactedUrl(`/ws/video/stream?pipeline_id=detect&token=${TOKEN}`), '/ws/video/stream?pipeline_id=detect&token=%5Bredacted%5D');
  t.is(redactedUrl(`/ws/video/stream?token=${TOKEN}&TOKEN=${NEAR_MISS}&token=x`), '/ws/video/stream?token=%5Bredacted%5D&TOKEN=%5Bredacted%5D&token=%5Bredacted%5D');
  t.is(redactedUrl('/ws/video/stream'), '/ws/video/stream');
});

test('no log line carries the token or a near miss, whatever the refusal', async (t) => {
  const logs: Record<string, unknown>[] = [];
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', STREAM_AUTH_TOKEN: TOKEN, STREAM_ALLOWED_ORIGINS: 'https://app.example.com' }, logs);
  t.teardown(() => server.close());
  const statuses = [
    await upgrade(server.port, `/ws/video/stream?pipeline_id=detect&token=${TOKEN}`, { Origin: 'https://evil.example.com' }), // wrong Origin
    await upgrade(server.port, `/ws/video/strem?pipeline_id=detect&token=${TOKEN}`), // mistyped path
    await upgrade(server.port, `/ws/video/stream?pipeline_id=detect&token=${NEAR_MISS}`), // wrong token
    await upgrade(server.port, '/ws/video/stream?pipeline_id=detect', { Authorization: `Bearer ${NEAR_MISS}` }), // wrong header
    await upgrade(server.port, `/ws/video/stream?pipeline_id=detect&token=${NEAR_MISS}&token=${TOKEN}`), // repeated parameter
  ];
  t.deepEqual(statuses, [403, 404, 401, 401, 401]);
  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect&token=${TOKEN}`); // accepted
  client.close();
  await client.closed;
  t.true(logs.filter((l) => l.msg === 'stream upgrade refused').length >= 5, 'the refusals were logged');
  const text = JSON.stringify(logs);
  t.false(text.includes(TOKEN), 'the token is in no log line');
  t.false(text.includes(NEAR_MISS), 'nor a near miss of it');
  t.false(text.includes('0123456789abcde'), 'nor part of it');
});
