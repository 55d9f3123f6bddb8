/** GET /metrics counts what happened, labelled by pipeline and never by session. */
import test from 'ava';

import { vtestFrames } from './helpers/frames';
import { runningServer } from './helpers/service';
import { isDropped, isResult, StreamClient } from './helpers/stream-client';
import { waitUntil } from './helpers/wait';

function find(text: string, name: string, labels: Record<string, string>): string | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text.split('\n').find((l) => l.startsWith(`${name}{`) && want.every((w) => l.includes(w)));
}

/** A series' value. Throws when the series does not exist: a renamed metric or label must fail, not read 0. */
function metric(text: string, name: string, labels: Record<string, string>): number {
  const line = find(text, name, labels);
  if (line === undefined) throw new Error(`no series ${name}${JSON.stringify(labels)} in /metrics`);
  return Number(line.split(' ').pop());
}

/**
 * For a series that only exists once something happened (a labelled counter is created by its first
 * increment): 0 when it does not exist, but its metric family must.
 */
function metricOrZero(text: string, name: string, labels: Record<string, string>): number {
  if (!new RegExp(`^# TYPE ${name} `, 'm').test(text)) throw new Error(`no metric ${name} in /metrics`);
  return find(text, name, labels) === undefined ? 0 : metric(text, name, labels);
}

/** Every series carrying a pipeline_id label, as `name{labels}`. */
function pipelineSeries(text: string): string[] {
  return text.split('\n').filter((l) => !l.startsWith('#') && l.includes('pipeline_id=')).map((l) => l.slice(0, l.lastIndexOf(' ')));
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
  // The server's side of the close may come a moment later: wait for it (counted, not timed).
  await waitUntil(() => server.streams.activeSessions === 0);
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
  t.is(metricOrZero(text, 'framewire_stream_frames_dropped_total', { ...p, cause: 'stale' }), stale);
  t.is(results + superseded + stale, 33);
  t.is(metric(text, 'framewire_stream_frames_rejected_total', { ...p, error: 'invalid_message' }), 1);
  t.is(metric(text, 'framewire_stream_queue_wait_seconds_count', p), results);
  t.is(metric(text, 'framewire_frame_inference_seconds_count', p), results);
  t.is(metric(text, 'framewire_frame_total_seconds_count', p), results);
  t.is(metricOrZero(text, 'framewire_stream_slowdown_warnings_total', p), client.messages.filter((m) => m.warning === 'slow_down').length);
  t.regex(text, /^framewire_inference_in_flight 0$/m);
  t.regex(text, /^framewire_worker_slots 2$/m);
  t.regex(text, /^framewire_inference_in_flight_http 0$/m);
  t.regex(text, /^framewire_http_max_slots 1$/m, 'one of two slots left to the streams by default');
  t.regex(text, /^framewire_http_busy_total 0$/m);
  t.false(text.includes('session_id'));
});

test('a pipeline_id that is not configured is counted as "unknown": 50 bogus ids add no series', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  t.teardown(() => server.close());
  const refused = async (pipelineId: string): Promise<void> => {
    const client = await StreamClient.connect(`${server.wsUrl}?pipeline_id=${pipelineId}`);
    t.is((await client.closed).code, 1008);
    t.is(client.messages[0].error, 'invalid_pipeline');
  };
  await refused('nope');
  const before = await (await fetch(`${server.url}/metrics`)).text();
  const rejected = { pipeline_id: 'unknown', error: 'invalid_pipeline' };
  t.is(metric(before, 'framewire_stream_frames_rejected_total', rejected), 1);
  t.false(before.includes('nope'));

  for (let i = 0; i < 50; i++) await refused(`bogus_${i}_${'x'.repeat(i)}`);
  const after = await (await fetch(`${server.url}/metrics`)).text();
  t.is(metric(after, 'framewire_stream_frames_rejected_total', rejected), 51);
  t.deepEqual(pipelineSeries(after), pipelineSeries(before), 'bounded cardinality: the same series, only their values moved');
  t.false(after.includes('bogus'));
});
