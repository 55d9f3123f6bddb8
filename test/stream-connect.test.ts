/** Connect and disconnect: session_started, invalid pipelines, and the connect/disconnect log lines. */
import test from 'ava';

import { vtestFrames } from './helpers/frames';
import { runningServer } from './helpers/service';
import { isResult, StreamClient } from './helpers/stream-client';

const logs: Record<string, unknown>[] = [];
let server: Awaited<ReturnType<typeof runningServer>>;
test.before(async () => {
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '2', STREAM_MAX_FRAME_SIZE_MB: '2', FRAMEWIRE_INSTANCE_ID: 'fw-connect-test' }, logs);
});
test.after.always(() => server?.close());

test('a good connect gets session_started first, with a UUIDv4, the frame limit and the instance id', async (t) => {
  const client = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`);
  const started = await client.waitFor((m) => m.event === 'session_started');
  t.is(client.messages[0], started);
  t.deepEqual(Object.keys(started).sort(), ['event', 'instance_id', 'max_frame_bytes', 'pipeline_id', 'session_id']);
  t.is(started.instance_id, 'fw-connect-test');
  t.regex(started.session_id as string, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(started.pipeline_id, 'detect');
  t.is(started.max_frame_bytes, 2 * 1024 * 1024);
  client.close();
  t.is((await client.closed).code, 1005);
});

for (const [name, query, detail] of [
  ['a missing pipeline_id', '', /pipeline_id query parameter is required/],
  ['an unknown pipeline_id', '?pipeline_id=nope', /no pipeline "nope"/],
] as const) {
  test(`${name} gets invalid_pipeline, then close 1008`, async (t) => {
    const client = await StreamClient.connect(server.wsUrl + query);
    const { code } = await client.closed;
    t.is(code, 1008);
    t.is(client.messages.length, 1);
    t.deepEqual(Object.keys(client.messages[0]).sort(), ['detail', 'error']);
    t.is(client.messages[0].error, 'invalid_pipeline');
    t.regex(client.messages[0].detail as string, detail);
  });
}

test('connect and disconnect are logged with the session, pipeline, remote address, duration and counts', async (t) => {
  const client = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect_fast`);
  const started = await client.waitFor((m) => m.event === 'session_started');
  await client.sendPaced(vtestFrames(3));
  client.close();
  await client.closed;
  const id = started.session_id;
  const disconnect = await waitForLog((l) => l.msg === 'stream_disconnect' && l.session_id === id);
  const connect = logs.find((l) => l.msg === 'stream_connect' && l.session_id === id)!;
  t.is(connect.pipeline_id, 'detect_fast');
  t.is(connect.remote, '127.0.0.1');
  t.is(disconnect.pipeline_id, 'detect_fast');
  t.is(disconnect.remote, '127.0.0.1');
  t.true((disconnect.duration_ms as number) >= 0);
  t.like(disconnect, { frames_received: 3, frames_processed: 3, frames_dropped: 0, frames_failed: 0 });
  t.is(client.messages.filter(isResult).length, 3);
  t.false(logs.some((l) => l.msg === 'frame received' && (l.level as number) > 20), 'per-frame lines only at debug');
});

async function waitForLog(predicate: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const found = logs.find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('log line not found');
}
