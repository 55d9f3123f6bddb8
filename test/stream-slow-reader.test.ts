/**
 * A client that stops reading: once its unsent answers pass the limit the
 * session is closed 1008 client_too_slow, and server memory stays bounded.
 * Loopback kernel buffers absorb a few MB before anything stays unsent, so the
 * test uses a registry with a near-zero score threshold: the largest answers
 * yolo-fastest gives (about 2.5 KB on vtest), for as long as it takes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import test from 'ava';
import type { WebSocket } from 'ws';

import { loadConfig } from '../src/config';
import { StreamSession } from '../src/services/streaming';
import { vtestFrames } from './helpers/frames';
import { runningServer } from './helpers/service';
import { StreamClient } from './helpers/stream-client';

function verboseRegistry(): string {
  const registry = JSON.parse(readFileSync(loadConfig({}).pipelinesFile, 'utf8'));
  registry.pipelines.push({
    id: 'detect_everything',
    description: 'Every weak candidate: large answers, for the slow-reader test.',
    nodes: [{ id: 'objects', kind: 'detector', model: 'yolo-fastest-1.1', score_threshold: 0.001, nms_threshold: 0.9 }],
  });
  const file = path.join(os.tmpdir(), `framewire-verbose-${process.pid}.json`);
  writeFileSync(file, JSON.stringify(registry));
  return file;
}

test('a reader that stops reading is closed 1008 client_too_slow; unsent output stays bounded', async (t) => {
  // The paused client cannot answer pings either: a heartbeat far beyond the flood's 90 s keeps that from ending
  // the session (1006) before the unread answers do (1008).
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_PIPELINES: verboseRegistry(), STREAM_HEARTBEAT_MS: '600000' });
  t.teardown(() => server.close());
  // The server side of the session: its state, and the socket its StreamConnection (the SessionOutput) writes to.
  let opened: { session: StreamSession; ws: WebSocket } | undefined;
  const open = server.streams.open.bind(server.streams);
  server.streams.open = (pipelineId, output, remote) => {
    const session = open(pipelineId, output, remote);
    if (session instanceof StreamSession) opened = { session, ws: (output as unknown as { ws: WebSocket }).ws };
    return session;
  };
  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect_everything`);
  const socket = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause(); // stop reading; keep sending

  const frames = vtestFrames(20);
  const conn = opened!;
  const isOpen = (): boolean => conn.session.state === 'open' && conn.ws.readyState === conn.ws.OPEN;
  let maxBuffered = 0;
  // The kernel's loopback buffers take a few MB of ~2.5 KB answers before anything stays unsent: on a loaded
  // machine that takes the server a while, so the bound is time (90 s), not a frame count.
  const until = Date.now() + 90_000;
  for (let i = 0; Date.now() < until && isOpen(); i++) {
    client.send(frames[i % frames.length]);
    await new Promise((r) => setTimeout(r, 8));
    maxBuffered = Math.max(maxBuffered, conn.ws.bufferedAmount);
  }
  t.false(isOpen(), 'the server gave up on the session');
  // The limit (1 MiB) plus at most one answer and the error: bounded.
  t.true(maxBuffered < 1024 * 1024 + 512 * 1024, `max unsent ${maxBuffered} bytes`);

  socket.resume(); // read the backlog, then the error and the close frame
  const { code } = await client.closed;
  t.is(code, 1008);
  for (let i = 0; i < 50 && server.streams.activeSessions > 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.is(server.streams.activeSessions, 0);
  const last = client.messages[client.messages.length - 1];
  t.is(last.error, 'client_too_slow');
  const indexes = client.answers().map((m) => m.frame_index as number);
  t.is(new Set(indexes).size, indexes.length, 'no frame answered twice');
});
