/** Pipeline integration: vtest.avi frames streamed give results in order, with people detected. */
import test from 'ava';

import { vtestFrames } from './helpers/frames';
import { runningServer } from './helpers/service';
import { isResult, StreamClient } from './helpers/stream-client';

test('a paced stream of vtest.avi frames gets one result per frame, frame_index 0,1,2,..., people found', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '2' });
  t.teardown(() => server.close());
  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect`);
  const frames = vtestFrames(20);
  await client.sendPaced(frames);
  const results = client.messages.filter(isResult);
  t.deepEqual(results.map((m) => m.frame_index), frames.map((_f, i) => i));
  t.is(client.answers().length, frames.length, 'nothing but results: no drops, no errors');
  for (const m of results) {
    const result = m.result as { pipeline_id: string; image: object; detections: { label: string; score: number }[] };
    t.deepEqual(Object.keys(m).sort(), ['frame_index', 'result']);
    t.is(result.pipeline_id, 'detect');
    t.deepEqual(result.image, { width: 768, height: 576 });
    t.true(result.detections.filter((d) => d.label === 'person' && d.score > 0.5).length >= 2);
  }
  client.close();
});

test('people_faces streams carry both keys', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  t.teardown(() => server.close());
  const client = await StreamClient.connect(`${server.wsUrl}?pipeline_id=people_faces`);
  await client.sendPaced(vtestFrames(2));
  for (const m of client.messages.filter(isResult)) {
    t.true(Array.isArray((m.result as { detections: unknown }).detections));
    t.true(Array.isArray((m.result as { faces: unknown }).faces));
  }
  t.is(client.messages.filter(isResult).length, 2);
  client.close();
});
