/** GET /metrics counts what happened, labelled by pipeline and never by session. */
import test from 'ava';

import { vtestFrames } from './helpers/frames';
import { runningServer } from './helpers/service';
import { isDropped, isResult, StreamClient } from './helpers/stream-client';

function metric(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('stream counters, histograms and gauges match a known sequence', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '2' });
  t.teardown(() => server.close());
  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect`);
  const frames = vtestFrames(30);
  await client.sendPaced(frames.slice(0, 3));
  for (const f of frames) client.send(f); // a flood: 30 more
  await client.waitForCount((m) => typeof m.frame_index === 'number', 33);
  const during = await (await fetch(`${server.url}/metrics`)).text();
  client.ws.send('not a frame'); // invalid_message closes the session
  await client.closed;
  await new Promise((r) => setTimeout(r, 100));
  const text = await (await fetch(`${server.url}/metrics`)).text();

  const p = { pipeline_id: 'detect' };
  const results = client.messages.filter(isResult).length;
  const superseded = client.messages.filter((m) => isDropped(m) && m.cause === 'superseded').length;
  const stale = client.messages.filter((m) => isDropped(m) && m.cause === 'stale').length;
  t.is(metric(during, 'framewire_stream_sessions_active', p), 1);
  t.is(metric(text, 'framewire_stream_sessions_active', p), 0);
  t.is(metric(text, 'framewire_stream_frames_received_total', p), 33);
  t.is(metric(text, 'framewire_stream_frames_processed_total', p), results);
  t.is(metric(text, 'framewire_stream_frames_dropped_total', { ...p, cause: 'superseded' }), superseded);
  t.is(metric(text, 'framewire_stream_frames_dropped_total', { ...p, cause: 'stale' }), stale);
  t.is(results + superseded + stale, 33);
  t.is(metric(text, 'framewire_stream_frames_rejected_total', { ...p, error: 'invalid_message' }), 1);
  t.is(metric(text, 'framewire_stream_queue_wait_seconds_count', p), results);
  t.is(metric(text, 'framewire_frame_inference_seconds_count', p), results);
  t.is(metric(text, 'framewire_frame_total_seconds_count', p), results);
  t.is(metric(text, 'framewire_stream_slowdown_warnings_total', p), client.messages.filter((m) => m.warning === 'slow_down').length);
  t.regex(text, /^framewire_inference_in_flight 0$/m);
  t.regex(text, /^framewire_worker_slots 2$/m);
  t.false(text.includes('session_id'));
});
