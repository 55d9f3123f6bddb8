/**
 * FRAMEWIRE_HTTP_MAX_HEADER_BYTES: the request line (so the URL) and the headers together, for REST and for
 * stream upgrades alike, are capped by Node's HTTP parser: over the cap is 431 before any route runs.
 */
import net from 'node:net';

import test from 'ava';

import { runningServer } from './helpers/service';

/** A raw request; resolves with the status line. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('close', () => resolve(data.split('\r\n')[0]));
    socket.on('error', reject);
  });
}

test('URL and headers over FRAMEWIRE_HTTP_MAX_HEADER_BYTES get 431, REST and upgrades; under it they are served', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_HTTP_MAX_HEADER_BYTES: '4096' });
  t.teardown(() => server.close());
  const upgrade = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
  t.is(await raw(server.port, `GET /healthz?${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 'HTTP/1.1 431 Request Header Fields Too Large', 'long URL');
  t.is(await raw(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(5000)}\r\nConnection: close\r\n\r\n`), 'HTTP/1.1 431 Request Header Fields Too Large', 'long header');
  t.is(await raw(server.port, `GET /ws/video/stream?pipeline_id=detect&x=${'a'.repeat(5000)} HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n`), 'HTTP/1.1 431 Request Header Fields Too Large', 'long upgrade URL');
  t.is(await raw(server.port, `GET /healthz?${'a'.repeat(3000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 'HTTP/1.1 200 OK', 'under the cap');
  t.is((await fetch(`${server.url}/healthz`)).status, 200, 'still serving');
});
