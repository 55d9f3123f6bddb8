/**
 * Control messages and tracking through StreamService (fake engine, fake clock; no addon): configure and reset
 * answers, every kind of bad configure answered invalid_config with the session kept as it was, the text
 * messages that stay fatal, `&track=true` at connect, results annotated with track ids, events and counts on
 * the frames' arrival times, and the tracking metrics.
 */
import test from 'ava';

import type { FrameOutcome } from '../src/services/pipeline';
import { harness } from './helpers/stream-harness';

/** An engine answer with one person whose box's bottom centre is at (ax, 300). */
const personAt = (ax: number, score = 0.9): FrameOutcome => ({
  json: JSON.stringify({ pipeline_id: 'detect', image: { width: 768, height: 576 }, detections: [{ label: 'person', class_id: 0, score, box: { x: ax - 20, y: 200, width: 40, height: 100 } }], timings_ms: { decode: 1, inference: 2, postprocess: 0, total: 3 } }),
  decodeMs: 1,
  inferenceMs: 2,
  totalMs: 3,
  decodeWarnings: 0,
});

const CONFIGURE = JSON.stringify({
  type: 'configure',
  zones: [{ id: 'door', polygon: [[0, 0], [300, 0], [300, 576], [0, 576]], labels: ['person'] }],
  lines: [{ id: 'gate', from: [384, 0], to: [384, 576] }],
});

test('configure is answered configured; results then carry track ids, events and counts', async (t) => {
  const h = harness();
  const { session, out } = h.open();
  h.streams.receive(session, Buffer.from(CONFIGURE), false);
  t.deepEqual(out.log, ['configured true door/gate']);
  const results: Record<string, unknown>[] = [];
  const xs = Array.from({ length: 14 }, (_, k) => 240 + 15 * k); // walking right, 150 px/s
  for (const [k, x] of xs.entries()) {
    h.streams.receive(session, h.frame(`f${k}`), true);
    await h.finish(`f${k}`, personAt(x));
    h.advance(100);
    const last = out.answers[out.answers.length - 1];
    if (last.type !== 'result') throw new Error(`expected a result, got ${last.type}`);
    results.push(JSON.parse(last.json) as Record<string, unknown>);
  }
  const ids = results.map((r) => (r.detections as { track_id?: number }[])[0].track_id);
  t.deepEqual(ids, [undefined, ...xs.slice(1).map(() => 1)], 'confirmed on its second update; one id throughout');
  const events = results.flatMap((r) => r.events as Record<string, unknown>[]);
  t.deepEqual(events, [
    { type: 'zone_entered', zone_id: 'door', track_id: 1, label: 'person' },
    { type: 'zone_exited', zone_id: 'door', track_id: 1, label: 'person', dwell_s: 0.3 },
    { type: 'line_crossed', line_id: 'gate', track_id: 1, label: 'person', direction: 'out' },
  ]);
  t.deepEqual(results[results.length - 1].counts, { lines: { gate: { in: {}, out: { person: 1 } } }, zones: { door: {} } });
  t.is(await h.metric('framewire_stream_track_events_total', { pipeline_id: 'detect', type: 'line_crossed' }), 1);
  t.is(await h.metric('framewire_stream_track_events_total', { pipeline_id: 'detect', type: 'zone_entered' }), 1);
  t.deepEqual(h.streams.activeTracks(), new Map([['detect', 1]]));
});

test('&track=true tracks from the first frame without zones: events empty, no counts', async (t) => {
  const h = harness();
  const { session, out } = h.open('detect', 'track=true');
  const answers: Record<string, unknown>[] = [];
  for (const k of [0, 1]) {
    h.streams.receive(session, h.frame(`f${k}`), true);
    await h.finish(`f${k}`, personAt(100 + k * 5));
    h.advance(100);
    const last = out.answers[out.answers.length - 1];
    if (last.type === 'result') answers.push(JSON.parse(last.json) as Record<string, unknown>);
  }
  t.deepEqual(answers.map((a) => a.events), [[], []]);
  t.false('counts' in answers[1]);
  t.is((answers[1].detections as { track_id?: number }[])[0].track_id, 1);
});

test('without tracking a result is passed on byte for byte', async (t) => {
  const h = harness();
  const { session, out } = h.open();
  h.streams.receive(session, h.frame('f'), true);
  const outcome = personAt(100);
  await h.finish('f', outcome);
  const last = out.answers[out.answers.length - 1];
  t.is(last.type === 'result' ? last.json : '', (outcome as { json: string }).json);
});

test('bad track values refuse the session with invalid_parameter (close 1008)', (t) => {
  const h = harness();
  for (const query of ['track=maybe', 'track=true&track=false', 'track=']) {
    const refusal = h.streams.open({ pipelineId: 'detect', params: new URLSearchParams(query) }, { answer: () => {}, terminate: () => {} }, '127.0.0.1');
    t.like(refusal, { code: 'invalid_parameter', wsCloseCode: 1008 }, query);
  }
});

const badConfigs: [string, string, RegExp][] = [
  ['not JSON', '{"type":"configure", "zones": [', /not valid JSON/],
  ['unknown type', '{"type":"calibrate"}', /unknown control message type "calibrate"/],
  ['unknown field', '{"type":"configure","zone":[]}', /no field "zone"/],
  ['track not boolean', '{"type":"configure","track":"yes"}', /track must be true or false/],
  ['polygon with 2 points', JSON.stringify({ type: 'configure', zones: [{ id: 'z', polygon: [[0, 0], [10, 0]] }] }), /at least 3 points/],
  ['zero-length line', JSON.stringify({ type: 'configure', lines: [{ id: 'l', from: [5, 5], to: [5, 5] }] }), /zero length/],
  ['duplicate ids', JSON.stringify({ type: 'configure', lines: [{ id: 'l', from: [0, 0], to: [1, 1] }, { id: 'l', from: [0, 0], to: [2, 2] }] }), /used twice/],
  ['unknown label', JSON.stringify({ type: 'configure', lines: [{ id: 'l', from: [0, 0], to: [1, 1], labels: ['unicorn'] }] }), /"unicorn" is not a label this pipeline detects/],
  ['non-numeric coordinate', JSON.stringify({ type: 'configure', zones: [{ id: 'z', polygon: [[0, 0], ['10', 0], [5, 5]] }] }), /\[x, y\] pair of numbers/],
  ['too many zones', JSON.stringify({ type: 'configure', zones: Array.from({ length: 17 }, (_, i) => ({ id: `z${i}`, polygon: [[0, 0], [1, 0], [0, 1]] })) }), /at most 16/],
  ['too many points', JSON.stringify({ type: 'configure', zones: [{ id: 'z', polygon: Array.from({ length: 65 }, (_, i) => [i, i * i]) }] }), /at most 64 points/],
  ['zones with track false', JSON.stringify({ type: 'configure', track: false, lines: [{ id: 'l', from: [0, 0], to: [1, 1] }] }), /need tracking/],
  ['reset with fields', '{"type":"reset","all":true}', /no fields/],
];

for (const [what, text, detail] of badConfigs) {
  test(`a bad configure (${what}) is answered invalid_config and the previous configuration stays`, async (t) => {
    const h = harness();
    const { session, out } = h.open();
    h.streams.receive(session, Buffer.from(CONFIGURE), false);
    h.streams.receive(session, Buffer.from(text), false);
    t.deepEqual(out.log, ['configured true door/gate', 'control_error invalid_config']);
    const refusal = out.answers[1];
    t.regex(refusal.type === 'control_error' ? refusal.error.detail : '', detail);
    t.is(session.state, 'open');
    h.streams.receive(session, h.frame('f'), true);
    await h.finish('f', personAt(100));
    const last = out.answers[out.answers.length - 1];
    t.deepEqual(last.type === 'result' ? Object.keys(JSON.parse(last.json).counts) : [], ['lines', 'zones'], 'the earlier zones and lines still count');
    t.is(await h.metric('framewire_stream_frames_rejected_total', { pipeline_id: 'detect', error: 'invalid_config' }), 1);
  });
}

test('text that is not a control message stays invalid_message, close 1003', (t) => {
  for (const text of ['hello', '[1,2]', '{"kind":"configure"}', '"configure"', '  ']) {
    const h = harness();
    const { out } = h.open();
    h.streams.receive(h.open().session, Buffer.from('x'), false); // another session's fault does not touch this one
    const { session: s2, out: o2 } = h.open();
    h.streams.receive(s2, Buffer.from(text), false);
    t.deepEqual(o2.log, ['end 1003 invalid_message'], text);
    t.deepEqual(out.log, []);
  }
});

test('reset clears tracks and counts without reconnecting; ids carry on', async (t) => {
  const h = harness();
  const { session, out } = h.open();
  h.streams.receive(session, Buffer.from(CONFIGURE), false);
  const step = async (label: string, x: number): Promise<Record<string, unknown>> => {
    h.streams.receive(session, h.frame(label), true);
    await h.finish(label, personAt(x));
    h.advance(100);
    const last = out.answers[out.answers.length - 1];
    return last.type === 'result' ? (JSON.parse(last.json) as Record<string, unknown>) : {};
  };
  for (const [k, x] of [350, 365, 380, 395].entries()) await step(`a${k}`, x);
  t.deepEqual((await step('a4', 410)).counts, { lines: { gate: { in: {}, out: { person: 1 } } }, zones: { door: {} } });
  h.streams.receive(session, Buffer.from('{"type":"reset"}'), false);
  t.is(out.log[out.log.length - 1], 'reset');
  const after = await step('b0', 420);
  t.deepEqual(after.counts, { lines: { gate: { in: {}, out: {} } }, zones: { door: {} } });
  t.false('track_id' in (after.detections as object[])[0], 'tracks start over');
  t.is(((await step('b1', 425)).detections as { track_id?: number }[])[0].track_id, 2, 'a new id, never a reused one');
});

test('configure {"track": false} turns tracking off; {"type":"configure"} alone keeps it on with no zones', async (t) => {
  const h = harness();
  const { session, out } = h.open('detect', 'track=true');
  h.streams.receive(session, Buffer.from('{"type":"configure"}'), false);
  h.streams.receive(session, Buffer.from('{"type":"configure","track":false}'), false);
  t.deepEqual(out.log, ['configured true /', 'configured false /']);
  h.streams.receive(session, h.frame('f'), true);
  const outcome = personAt(100);
  await h.finish('f', outcome);
  const last = out.answers[out.answers.length - 1];
  t.is(last.type === 'result' ? last.json : '', (outcome as { json: string }).json);
});
