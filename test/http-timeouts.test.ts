/**
 * Slow or stalled HTTP clients cannot hold connections (issue 9, defect 15): a client that never finishes its
 * headers, or its body, gets 408 and the connection closes, at the configured deadlines.
 */
import net from 'node:net';

import test from 'ava';

import { runningServer } from './helpers/service';

/** Writes `text` on a raw TCP connection and resolves with everything the server sends until it closes. */
function stall(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

test('half-sent headers and a half-sent body are each answered 408 and the connection closed', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_HTTP_HEADERS_TIMEOUT_MS: '300', FRAMEWIRE_HTTP_REQUEST_TIMEOUT_MS: '600' });
  t.teardown(() => server.close());
  const [headers, body] = await Promise.all([
    stall(server.port, 'POST /v1/pipelines/detect/infer HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\n'),
    stall(server.port, 'POST /v1/pipelines/detect/infer HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nContent-Length: 100000\r\n\r\n\xff\xd8'),
  ]);
  t.regex(headers, /^HTTP\/1\.1 408 /);
  t.regex(body, /^HTTP\/1\.1 408 /);
  // The server still serves.
  t.is((await fetch(`${server.url}/healthz`)).status, 200);
});
