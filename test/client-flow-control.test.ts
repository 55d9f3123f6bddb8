/**
 * The SDK's flow control, answer matching and reconnect against a scripted WebSocket (no server): the window,
 * slow_down pacing, the bufferedAmount bound, draining, and which close codes reopen a session. The same code
 * against the real server: client-sdk.test.ts.
 */
import test from 'ava';

import { connect, FramewireClientError, type StreamClient } from '../src/client';
import type { WebSocketConstructor, WebSocketLike } from '../src/client/websocket';

/** A WebSocket whose server side the test plays. */
class ScriptedSocket implements WebSocketLike {
  static opened: ScriptedSocket[] = [];
  readyState = 0;
  bufferedAmount = 0;
  binaryType = 'blob';
  readonly sent: unknown[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: { message?: string }) => void) | null = null;

  constructor(readonly url: string) {
    ScriptedSocket.opened.push(this);
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
      this.serverSends({ event: 'session_started', session_id: `s${ScriptedSocket.opened.length}`, pipeline_id: 'detect', max_frame_bytes: 1000, instance_id: 'test-1' });
    });
  }

  send(data: unknown): void {
    this.sent.push(data);
  }

  close(code = 1000, reason = ''): void {
    this.serverCloses(code, reason);
  }

  serverSends(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  serverCloses(code: number, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  frames(): unknown[] {
    return this.sent.filter((d) => typeof d !== 'string');
  }
}

const Scripted = ScriptedSocket as unknown as WebSocketConstructor;
const frame = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
const result = (i: number) => ({ frame_index: i, result: { pipeline_id: 'detect', image: { width: 1, height: 1 }, detections: [], timings_ms: { decode: 0, inference: 0, postprocess: 0, total: 0 } } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function open(options: Partial<Parameters<typeof connect>[0]> = {}): Promise<{ client: StreamClient; socket: ScriptedSocket }> {
  ScriptedSocket.opened = [];
  const client = await connect({ url: 'http://framewire.test:8080', pipeline: 'detect', WebSocket: Scripted, ...options });
  return { client, socket: ScriptedSocket.opened[0] };
}

test.serial('the connect URL carries the pipeline, tracking and the per-session filters; http becomes ws', async (t) => {
  const { socket } = await open({ track: true, minScore: 0.5, classes: ['person', 'car'], token: 'secret-token-1234' });
  const url = new URL(socket.url);
  t.is(`${url.protocol}//${url.host}${url.pathname}`, 'ws://framewire.test:8080/ws/video/stream');
  t.is(url.searchParams.get('pipeline_id'), 'detect');
  t.is(url.searchParams.get('track'), 'true');
  t.is(url.searchParams.get('min_score'), '0.5');
  t.is(url.searchParams.get('classes'), 'person,car');
  t.is(url.searchParams.get('token'), 'secret-token-1234', 'a WebSocket without headers gets the token in the query');
});

test.serial('window 1: the second frame waits for the first answer, and each send resolves with its own answer', async (t) => {
  const { client, socket } = await open();
  const first = client.send(frame);
  const second = client.send(frame);
  await tick();
  t.is(socket.frames().length, 1, 'one frame in flight');
  t.is(client.trySend(frame), undefined, 'trySend gives up while the window is full');
  socket.serverSends(result(0));
  t.is((await first).frame_index, 0);
  await tick();
  t.is(socket.frames().length, 2);
  socket.serverSends({ frame_index: 1, dropped: true, cause: 'stale' });
  t.deepEqual(await second, { frame_index: 1, dropped: true, cause: 'stale' });
});

test.serial('answers arriving out of order are matched by frame_index; answers() yields them in arrival order', async (t) => {
  const { client, socket } = await open({ window: 2 });
  const seen: number[] = [];
  const iterate = (async () => {
    for await (const a of client.answers()) seen.push(a.frame_index);
  })();
  const a = client.send(frame);
  const b = client.send(frame);
  await tick();
  t.is(socket.frames().length, 2);
  socket.serverSends({ frame_index: 1, dropped: true, cause: 'superseded' });
  socket.serverSends(result(0));
  t.true('result' in (await a));
  t.true('dropped' in (await b));
  socket.serverCloses(1000);
  await iterate;
  t.deepEqual(seen, [1, 0]);
});

test.serial('a per-frame pipeline_failure resolves; a fatal frame error rejects with its code and the close code', async (t) => {
  const { client, socket } = await open();
  const failed = client.send(frame);
  await tick();
  socket.serverSends({ frame_index: 0, error: 'pipeline_failure', detail: 'node objects: failed' });
  t.like(await failed, { frame_index: 0, error: 'pipeline_failure' });
  const fatal = client.send(frame);
  await tick();
  socket.serverSends({ frame_index: 1, error: 'invalid_frame', detail: 'not a JPEG' });
  socket.serverCloses(1007, 'invalid_frame');
  const error = await t.throwsAsync(fatal, { instanceOf: FramewireClientError });
  t.like(error, { code: 'invalid_frame', closeCode: 1007, frameIndex: 1 });
  await t.throwsAsync(client.send(frame), { instanceOf: FramewireClientError });
});

test.serial('after slow_down, frames are spaced to the suggested rate even with the window free', async (t) => {
  const { client, socket } = await open();
  const first = client.send(frame);
  await tick();
  socket.serverSends({ warning: 'slow_down', detail: '60% dropped', drop_rate: 0.6, suggested_fps: 2 });
  socket.serverSends(result(0));
  await first;
  t.is(client.inFlight, 0);
  t.is(client.trySend(frame), undefined, 'at 2 frames/s the next frame may go 500 ms after the last');
  const next = client.send(frame); // waits for the interval, then goes
  await new Promise((resolve) => setTimeout(resolve, 600));
  t.is(socket.frames().length, 2);
  socket.serverSends(result(1));
  t.is((await next).frame_index, 1);
});

test.serial('a frame is not handed to the socket while its unsent output is above the bound', async (t) => {
  const { client, socket } = await open({ window: 4, maxBufferedBytes: 1000 });
  socket.bufferedAmount = 5000;
  t.is(client.trySend(frame), undefined);
  const pending = client.send(frame);
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.is(socket.frames().length, 0);
  socket.bufferedAmount = 0;
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.is(socket.frames().length, 1);
  socket.serverSends(result(0));
  await pending;
});

test.serial('draining stops sending; close 1001 reopens a new session that says so, and sending goes on', async (t) => {
  const { client, socket } = await open({ reconnect: { initialDelayMs: 1, maxDelayMs: 5 } });
  const reconnected = new Promise((resolve) => client.on('reconnect', resolve));
  socket.serverSends({ event: 'draining', detail: 'the server is shutting down' });
  t.is(client.trySend(frame), undefined, 'no frames after draining');
  const waiting = client.send(frame);
  socket.serverCloses(1001, 'server shutting down');
  t.like(await reconnected, { previousSessionId: 's1', sessionId: 's2', attempt: 1 });
  await tick();
  const second = ScriptedSocket.opened[1];
  t.is(second.frames().length, 1, 'the waiting frame went to the new session');
  second.serverSends(result(0));
  t.is((await waiting).frame_index, 0);
  await client.close();
});

test.serial('retryable close codes reopen; 1003/1007/1008/1009 and a client close never do', async (t) => {
  for (const code of [1001, 1006, 1011, 1012, 1013]) {
    const { client, socket } = await open({ reconnect: { initialDelayMs: 1, maxDelayMs: 2 } });
    const closed = new Promise<{ willReconnect: boolean }>((resolve) => client.on('close', resolve));
    socket.serverCloses(code);
    t.true((await closed).willReconnect, `close ${code} reconnects`);
    await new Promise((resolve) => client.on('reconnect', resolve));
    await client.close();
  }
  for (const code of [1003, 1007, 1008, 1009]) {
    const { client, socket } = await open({ reconnect: true });
    socket.serverCloses(code);
    const event = await client.closed;
    t.false(event.willReconnect, `close ${code} does not`);
    t.is(ScriptedSocket.opened.length, 1);
  }
  const { client } = await open({ reconnect: true });
  const event = await client.close();
  t.false(event.willReconnect);
  t.is(ScriptedSocket.opened.length, 1);
});

test.serial('configure resolves with configured, a refused configure rejects invalid_config and the session goes on', async (t) => {
  const { client, socket } = await open();
  const ok = client.configure({ lines: [{ id: 'gate', from: [0, 0], to: [10, 0] }] });
  t.deepEqual(JSON.parse(socket.sent[0] as string), { type: 'configure', lines: [{ id: 'gate', from: [0, 0], to: [10, 0] }] });
  socket.serverSends({ event: 'configured', track: true, zones: [], lines: ['gate'] });
  t.deepEqual((await ok).lines, ['gate']);
  const bad = client.configure({ zones: [{ id: 'z', polygon: [[0, 0], [1, 1]] }] });
  socket.serverSends({ error: 'invalid_config', detail: 'zone z: a polygon needs at least 3 points' });
  t.like(await t.throwsAsync(bad, { instanceOf: FramewireClientError }), { code: 'invalid_config' });
  const reset = client.reset();
  socket.serverSends({ event: 'reset' });
  await reset;
  const sent = client.send(frame);
  await tick();
  socket.serverSends(result(0));
  t.is((await sent).frame_index, 0);
});

test('the SDK is the package export framewire/client', async (t) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('framewire/client') as typeof import('../src/client');
  t.is(typeof sdk.connect, 'function');
  t.deepEqual(sdk.RETRYABLE_CLOSE_CODES, [1001, 1006, 1011, 1012, 1013]);
});
