/** Dropping: a flood faster than processing is answered exactly once per frame, the latest frames winning. */
import test from 'ava';

import { vtestFrames } from './helpers/frames';
import { runningServer } from './helpers/service';
import { isDropped, isResult, StreamClient } from './helpers/stream-client';

test('a flood: every frame answered exactly once, results + dropped + failures = frames sent, some superseded', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '2' });
  t.teardown(() => server.close());
  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect`);
  const frames = vtestFrames(60);
  for (const frame of frames) client.send(frame); // all at once: far faster than ~20 ms a frame
  await client.waitForCount((m) => typeof m.frame_index === 'number', frames.length);
  await new Promise((r) => setTimeout(r, 200)); // anything extra would show up here

  const answers = client.answers();
  const indexes = answers.map((m) => m.frame_index as number).sort((a, b) => a - b);
  t.deepEqual(indexes, frames.map((_f, i) => i), 'each frame_index answered exactly once');
  const results = answers.filter(isResult);
  const dropped = answers.filter(isDropped);
  const failures = answers.filter((m) => 'error' in m);
  t.is(results.length + dropped.length + failures.length, frames.length);
  t.true(dropped.length > 0 && dropped.every((m) => m.cause === 'superseded'), JSON.stringify(dropped.slice(0, 3)));
  for (const m of dropped) t.deepEqual(Object.keys(m).sort(), ['cause', 'dropped', 'frame_index']);
  t.true(results.some((m) => m.frame_index === 59), 'the latest frame wins');
  t.is(server.streams.waitingFrames, 0);
  client.close();
});

test('two floods share the engine: both sessions get results', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  t.teardown(() => server.close());
  const [a, b] = await Promise.all([1, 2].map(() => StreamClient.connect(`${server.wsUrl}?pipeline_id=detect_fast`)));
  const frames = vtestFrames(40);
  for (let round = 0; round < 4; round++) {
    for (const frame of frames.slice(round * 10, round * 10 + 10)) {
      a.send(frame);
      b.send(frame);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all([a, b].map((c) => c.waitForCount((m) => typeof m.frame_index === 'number', 40)));
  for (const c of [a, b]) t.true(c.messages.filter(isResult).length >= 3, 'round-robin: neither session starves');
  a.close();
  b.close();
});
