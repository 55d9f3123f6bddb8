/** The SDK (framewire/client) against the real server: answers, fatal errors, per-session filters, reconnect. */
import test from 'ava';

import { connect, FramewireClientError, infer, type FrameAnswerMessage } from '../src/client';
import { vtestFrames } from './helpers/frames';
import { readMedia } from './helpers/media';
import { refusingServer } from './helpers/refusing-server';
import { runningServer } from './helpers/service';

let server: Awaited<ReturnType<typeof runningServer>>;
test.before(async () => {
  // Frames of the tests here share one slot: a frame may wait long for its turn on a loaded machine, never stale.
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', STREAM_SLOWDOWN_WINDOW: '5', STREAM_MAX_FRAME_AGE_MS: '60000' });
});
test.after.always(async () => server?.close());

test('send resolves with each frame\'s own result, in order, with one frame in flight', async (t) => {
  const client = await connect({ url: server.url, pipeline: 'detect_fast' });
  t.regex(client.sessionId ?? '', /^[0-9a-f-]{36}$/);
  const answers: FrameAnswerMessage[] = [];
  for (const frame of vtestFrames(12)) answers.push(await client.send(frame));
  t.deepEqual(answers.map((a) => a.frame_index), [...Array(12).keys()]);
  t.true(answers.every((a) => 'result' in a && a.result.pipeline_id === 'detect_fast'));
  t.true(answers.some((a) => 'result' in a && a.result.detections!.some((d) => d.label === 'person')));
  const closed = await client.close();
  t.is(closed.code, 1000);
});

test('with a window of 3 every frame is answered exactly once and answers() sees them all', async (t) => {
  const client = await connect({ url: server.url, pipeline: 'detect_fast', window: 3 });
  const seen: number[] = [];
  const iterate = (async () => {
    for await (const a of client.answers()) seen.push(a.frame_index);
  })();
  let maxInFlight = 0;
  const sends = vtestFrames(20).map(async (frame) => {
    const answer = client.send(frame);
    maxInFlight = Math.max(maxInFlight, client.inFlight);
    return answer;
  });
  const answers = await Promise.all(sends);
  t.true(maxInFlight <= 3, `never more than the window in flight (saw ${maxInFlight})`);
  t.deepEqual(answers.map((a) => a.frame_index).sort((a, b) => a - b), [...Array(20).keys()]);
  await client.close();
  await iterate;
  t.deepEqual([...seen].sort((a, b) => a - b), [...Array(20).keys()]);
});

test('a frame that is not a JPEG rejects with invalid_frame, its frame_index and close 1007', async (t) => {
  const client = await connect({ url: server.url, pipeline: 'detect_fast' });
  const error = await t.throwsAsync(client.send(Buffer.from('not a jpeg at all')), { instanceOf: FramewireClientError });
  t.like(error, { code: 'invalid_frame', closeCode: 1007, frameIndex: 0 });
  const closed = await client.closed;
  t.is(closed.code, 1007);
  t.false(closed.willReconnect);
});

test('an unknown pipeline rejects connect with invalid_pipeline and close 1008, even with reconnect on', async (t) => {
  const error = await t.throwsAsync(connect({ url: server.url, pipeline: 'nope', reconnect: true }), { instanceOf: FramewireClientError });
  t.like(error, { code: 'invalid_pipeline', closeCode: 1008 });
});

test('min_score and classes on the connect URL filter every result of the session', async (t) => {
  const frames = vtestFrames(10);
  const plain = await connect({ url: server.url, pipeline: 'detect' });
  const filtered = await connect({ url: server.url, pipeline: 'detect', minScore: 0.5, classes: ['person'] });
  let plainLow = 0;
  let plainOther = 0;
  for (const frame of frames) {
    const a = await plain.send(frame);
    const b = await filtered.send(frame);
    if (!('result' in a) || !('result' in b)) throw new Error('expected results');
    plainLow += a.result.detections!.filter((d) => d.score < 0.5).length;
    plainOther += a.result.detections!.filter((d) => d.label !== 'person').length;
    t.true(b.result.detections!.every((d) => d.label === 'person' && d.score >= 0.5));
    // The same frame, the same model: the filtered answer is exactly the plain one's persons at >= 0.5.
    t.deepEqual(b.result.detections!.map((d) => d.box), a.result.detections!.filter((d) => d.label === 'person' && d.score >= 0.5).map((d) => d.box));
  }
  t.true(plainLow > 0, 'the unfiltered session does return boxes under 0.5 on these frames');
  t.true(plainOther > 0, 'and labels other than person');
  await plain.close();
  await filtered.close();
});

test('a bad min_score or an unknown class ends the session at connect with invalid_parameter, close 1008', async (t) => {
  for (const options of [{ minScore: 0 }, { minScore: 1.5 }, { classes: ['cone'] }]) {
    const error = await t.throwsAsync(connect({ url: server.url, pipeline: 'detect', ...options }), { instanceOf: FramewireClientError });
    t.like(error, { code: 'invalid_parameter', closeCode: 1008 });
    t.regex(error!.detail, /min_score|cone/);
  }
  const faces = await t.throwsAsync(connect({ url: server.url, pipeline: 'faces', classes: ['person'] }), { instanceOf: FramewireClientError });
  t.like(faces, { code: 'invalid_parameter' });
});

test('REST infer takes min_score and classes as query parameters', async (t) => {
  const image = readMedia('messi5.jpg');
  const all = await infer(image, { url: server.url, pipeline: 'detect' });
  const persons = await infer(image, { url: server.url, pipeline: 'detect', classes: ['person'], minScore: 0.6 });
  t.true(all.detections!.some((d) => d.label !== 'person'));
  t.true(persons.detections!.length > 0);
  t.true(persons.detections!.every((d) => d.label === 'person' && d.score >= 0.6));
  const bad = await fetch(`${server.url}/v1/pipelines/detect/infer?classes=person,cone`, { method: 'POST', body: image, headers: { 'Content-Type': 'image/jpeg' } });
  t.is(bad.status, 400);
  const body = (await bad.json()) as { error: string; detail: string };
  t.is(body.error, 'invalid_parameter');
  t.regex(body.detail, /"cone"/);
  const twice = await fetch(`${server.url}/v1/pipelines/detect/infer?min_score=0.5&min_score=0.6`, { method: 'POST', body: image, headers: { 'Content-Type': 'image/jpeg' } });
  t.is(twice.status, 400);
  const low = await infer(image, { url: server.url, pipeline: 'detect', minScore: 0.05 });
  t.true(low.detections!.length > all.detections!.length, 'a threshold under the pipeline\'s returns more boxes');
});

test('a refused upgrade (401) is upgrade_refused and is not retried', async (t) => {
  const guarded = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', STREAM_AUTH_TOKEN: 'a-token-of-16-chars-or-more' });
  try {
    const error = await t.throwsAsync(connect({ url: guarded.url, pipeline: 'detect_fast', reconnect: true }), { instanceOf: FramewireClientError });
    t.like(error, { code: 'upgrade_refused' });
    t.regex(error!.detail, /401/);
    const ok = await connect({ url: guarded.url, pipeline: 'detect_fast', token: 'a-token-of-16-chars-or-more' });
    t.true('result' in (await ok.send(vtestFrames(1)[0])));
    await ok.close();
  } finally {
    await guarded.close();
  }
});

for (const [status, retried] of [[503, true], [502, true], [504, true], [404, false], [403, false]] as const) {
  test(`an upgrade refused with HTTP ${status} is ${retried ? 'retried with backoff' : 'not retried'} (reconnect on)`, async (t) => {
    const refuser = await refusingServer(status);
    try {
      const error = await t.throwsAsync(connect({ url: refuser.url, pipeline: 'detect_fast', reconnect: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 } }), { instanceOf: FramewireClientError });
      t.like(error, { code: 'upgrade_refused' });
      t.regex(error!.detail, new RegExp(`HTTP ${status}`));
      t.is(refuser.upgrades(), retried ? 4 : 1, retried ? 'the first try and 3 reconnect attempts' : 'one try only');
    } finally {
      await refuser.close();
    }
  });
}

test('reconnect: a server restart (draining, close 1001) opens a new session, announced, and frames flow again', async (t) => {
  const first = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  const port = first.port;
  const client = await connect({ url: first.url, pipeline: 'detect_fast', reconnect: { initialDelayMs: 100, maxDelayMs: 500, maxAttempts: 40 } });
  const oldSession = client.sessionId;
  const closes: number[] = [];
  client.on('close', (e) => closes.push(e.code));
  let drained = 0;
  client.on('draining', () => (drained += 1));
  const reconnected = new Promise<{ previousSessionId?: string; sessionId: string }>((resolve) => client.on('reconnect', resolve));
  t.true('result' in (await client.send(vtestFrames(1)[0])));
  await first.close();
  const second = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', PORT: String(port) });
  try {
    const event = await reconnected;
    t.is(closes[0], 1001);
    t.is(drained, 1, 'the server said draining before its 1001');
    t.is(event.previousSessionId, oldSession);
    t.not(event.sessionId, oldSession);
    const answer = await client.send(vtestFrames(2)[1]);
    t.is(answer.frame_index, 0, 'frame indices start again in the new session');
    t.true('result' in answer);
    await client.close();
  } finally {
    await second.close();
  }
});

test('tracking: track, lines and zones on connect; configure, a refused configure and reset, all without reconnecting', async (t) => {
  const frames = vtestFrames(30);
  const client = await connect({
    url: server.url,
    pipeline: 'detect_fast',
    track: true,
    lines: [{ id: 'gate', from: [384, 0], to: [384, 576], labels: ['person'] }],
    zones: [{ id: 'lawn', polygon: [[0, 300], [768, 300], [768, 576], [0, 576]] }],
  });
  const configured: string[][] = [];
  client.on('configured', (c) => configured.push([...c.lines, ...c.zones]));
  const answers: FrameAnswerMessage[] = [];
  for (const frame of frames.slice(0, 15)) answers.push(await client.send(frame));
  const results = answers.flatMap((a) => ('result' in a ? [a.result] : []));
  t.true(results.every((r) => Array.isArray(r.events) && r.counts !== undefined && 'gate' in r.counts.lines && 'lawn' in r.counts.zones));
  t.true(results.some((r) => r.detections!.some((d) => Number.isInteger(d.track_id) && d.track_id! >= 1)), 'confirmed tracks carry ids');
  const bad = await t.throwsAsync(client.configure({ zones: [{ id: 'tiny', polygon: [[0, 0], [1, 1]] }] }), { instanceOf: FramewireClientError });
  t.like(bad, { code: 'invalid_config' });
  const after = await client.send(frames[15]);
  t.true('result' in after && 'gate' in after.result.counts!.lines, 'the refused configure left the session as it was');
  const changed = await client.configure({ lines: [{ id: 'door', from: [0, 400], to: [768, 400] }] });
  t.deepEqual(changed, { event: 'configured', track: true, zones: [], lines: ['door'] });
  await client.reset();
  const reset = await client.send(frames[16]);
  t.true('result' in reset && reset.result.counts!.lines.door !== undefined);
  t.deepEqual(configured, [['door']], 'the configured event fires for configure() (the connect-time one came before the listener)');
  await client.close();
});
