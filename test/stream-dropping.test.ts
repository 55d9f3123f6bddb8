/** Dropping: a flood faster than processing is answered exactly once per frame, the latest frames winning. */
import test from 'ava';

import { vtestFrames } from './helpers/frames';
import { runningServer } from './helpers/service';
import { isDropped, isResult, StreamClient, type Message } from './helpers/stream-client';

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

test('three floods share one slot: served in turn, none starves', async (t) => {
  // One slot, three sessions that each keep a frame waiting at all times: each starts with two frames in flight
  // and sends its next frame whenever one of its own frames is answered, 20 frames in all. Whenever the slot
  // frees, the two other sessions have a frame waiting (the one just answered is not ready again until its answer
  // is out), so which is served next is the scheduler's choice alone, however fast or slow the machine is. A
  // scheduler that preferred the older sessions would starve the third until the others stopped sending;
  // fair turns serve them in turn. So the first 30 results, all given while every session still sends, are
  // counted per session.
  // The next frame follows any answer but `superseded` (then the session's newer frame is already waiting in its
  // place): on a loaded machine (CI runs two test files at once) a frame can wait past STREAM_MAX_FRAME_AGE_MS and
  // be dropped stale. Sending only on results, each stale drop took one frame out of a session's chain for good,
  // and a session left with none never reached its 20 answers: the test waited forever.
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  t.teardown(() => server.close());
  const clients = await Promise.all([1, 2, 3].map(() => StreamClient.session(`${server.wsUrl}?pipeline_id=detect_fast`)));
  const frames = vtestFrames(20);
  const order: number[] = [];
  const sent = await Promise.all(clients.map(async (c, i) => {
    let next = 0;
    const send = (): void => {
      if (next < frames.length) c.send(frames[next++]);
    };
    c.ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const message = JSON.parse(data.toString()) as Message;
      if (typeof message.frame_index !== 'number') return;
      if (isResult(message)) order.push(i);
      if (message.cause !== 'superseded') send();
    });
    send();
    send();
    await c.waitForCount((m) => typeof m.frame_index === 'number', frames.length, 60_000);
    return next;
  }));
  t.deepEqual(sent, [frames.length, frames.length, frames.length]);
  const first = order.slice(0, 30);
  const share = clients.map((_c, i) => first.filter((s) => s === i).length);
  t.log(`of the first 30 results, per session: ${share.join(', ')}; results in all: ${clients.map((c) => c.messages.filter(isResult).length).join(', ')}; dropped: ${clients.map((c) => c.messages.filter(isDropped).length).join(', ')}`);
  for (const n of share) t.true(n >= 8, `fair turns: no session starves (${share.join(', ')})`);
  for (const c of clients) c.close();
});
