/**
 * Upgrades during a graceful shutdown get HTTP 503 server_busy before any WebSocket exists. One open
 * session keeps the shutdown busy: its frame is held inside a fake engine call until the test lets it go.
 */
import net from 'node:net';

import test from 'ava';
import WebSocket from 'ws';

import type { FrameOutcome } from '../src/services/pipeline';
import { jpegHeaderOnly } from './helpers/jpeg-bytes';
import { runningServer } from './helpers/service';
import { StreamClient } from './helpers/stream-client';
import { waitUntil } from './helpers/wait';

type Server = Awaited<ReturnType<typeof runningServer>>;

/** A server with one session whose frame is inside the (held) engine call: its shutdown cannot finish until `release`. */
async function busyServer(): Promise<{ server: Server; session: StreamClient; release: () => void }> {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', STREAM_SHUTDOWN_TIMEOUT_MS: '30000' });
  let held: ((outcome: FrameOutcome) => void) | undefined;
  const entered = new Promise<void>((resolve) => {
    server.service.runFrame = () => new Promise<FrameOutcome>((r) => ((held = r), resolve()));
  });
  const session = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect`);
  session.send(jpegHeaderOnly(64, 48));
  await entered;
  return { server, session, release: () => held?.({ json: '{"pipeline_id":"detect","image":{"width":64,"height":48},"detections":[],"timings_ms":{"decode":0,"inference":0,"postprocess":0,"total":0}}', decodeMs: 0, inferenceMs: 0, totalMs: 0, decodeWarnings: 0 }) };
}

/** Attempts an upgrade; resolves with the HTTP refusal (status and body), or rejects with what happened instead. */
function refusedUpgrade(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
  });
}

/** framewire_ready's value in a /metrics scrape (which still answers while the server drains). */
async function readyGauge(url: string): Promise<string | undefined> {
  return /^framewire_ready (\d)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1];
}

test('a new upgrade while close() is draining the sessions gets HTTP 503 server_busy', async (t) => {
  const { server, session, release } = await busyServer();
  t.is(await readyGauge(server.url), '1');
  const closing = server.close(); // not awaited: the held frame keeps the shutdown busy
  t.is((await fetch(`${server.url}/readyz`)).status, 503);
  t.is(await readyGauge(server.url), '0', 'framewire_ready follows /readyz');
  t.teardown(async () => {
    release();
    await closing;
  });
  const refusal = await refusedUpgrade(`${server.wsUrl}?pipeline_id=detect`);
  t.is(refusal.status, 503);
  t.deepEqual(Object.keys(refusal.body).sort(), ['detail', 'error']);
  t.is(refusal.body.error, 'server_busy');
  t.is(server.streams.activeSessions, 1, 'no session was opened for it');
  release();
  t.is((await session.closed).code, 1001);
  await closing;
});

test('an upgrade request in progress when shutdown starts gets HTTP 503 server_busy, before any WebSocket', async (t) => {
  const { server, session, release } = await busyServer();
  // Half an upgrade request on an accepted connection: the server has read it when shutdown starts.
  const accepted = new Promise<net.Socket>((resolve) => server.http.once('connection', resolve));
  const raw = net.connect(server.port, '127.0.0.1');
  t.teardown(() => raw.destroy());
  let reply = '';
  raw.on('data', (chunk: Buffer) => (reply += chunk.toString()));
  const replied = new Promise<void>((resolve) => raw.once('end', resolve));
  const head = 'GET /ws/video/stream?pipeline_id=detect HTTP/1.1\r\nHost: 127.0.0.1\r\n';
  raw.write(head);
  const serverSide = await accepted;
  await waitUntil(() => serverSide.bytesRead >= head.length, 1000, 5);
  t.is(serverSide.bytesRead, head.length, 'the server has read the start of the request');

  const closing = server.close();
  t.teardown(async () => {
    release();
    await closing;
  });
  raw.write('Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  await replied;
  const [statusLine] = reply.split('\r\n');
  t.is(statusLine, 'HTTP/1.1 503 Service Unavailable');
  const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
  t.deepEqual(body, { error: 'server_busy', detail: 'the server is shutting down' });
  t.is(server.streams.activeSessions, 1, 'no session was opened for it');

  release();
  t.is((await session.closed).code, 1001);
  t.like(session.answers()[0], { frame_index: 0 }, 'the held frame was answered before the close');
  await closing;
});
