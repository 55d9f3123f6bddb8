/**
 * The text pipelines over both transports: the same `texts` answer over HTTP and the stream, and a stream sent
 * faster than text can be read simply drops more, with slow_down, as for any slow pipeline.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { PROJECT_ROOT } from '../src/config';
import type { FrameResult } from '../src/services/pipeline';
import { vtestFrames } from './helpers/frames';
import { imageAsJpeg } from './helpers/media';
import { runningServer } from './helpers/service';
import { isDropped, isResult, StreamClient } from './helpers/stream-client';
import { wordRecall, wordsOf } from './helpers/words';

const TRANSCRIPT = readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'imageText.transcript.txt'), 'utf8');

let server: Awaited<ReturnType<typeof runningServer>>;
test.before(async () => {
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
});
test.after.always(() => server?.close());

test('POST /v1/pipelines/text/infer and the stream give the same texts for the page', async (t) => {
  const page = imageAsJpeg('imageTextN.png');
  const res = await fetch(`${server.url}/v1/pipelines/text/infer`, { method: 'POST', body: page, headers: { 'Content-Type': 'image/jpeg' } });
  t.is(res.status, 200);
  const http = (await res.json()) as FrameResult;
  t.true(wordRecall(wordsOf(TRANSCRIPT), wordsOf(http.texts!.map((l) => l.text).join(' '))) >= 0.9);

  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=text`);
  client.send(page);
  const answer = await client.waitFor(isResult);
  const streamed = answer.result as FrameResult;
  t.deepEqual(streamed.texts, http.texts);
  t.is(streamed.texts_truncated, false);
  client.close();
});

test('a stream flooding the text pipeline gets drops and slow_down, and every frame an answer', async (t) => {
  t.timeout(240_000); // a loaded machine reads a text frame in seconds
  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=text`);
  // One frame every 30 ms, several times faster than a text frame is read (over 150 ms even on two idle cores), until
  // the warning comes: it needs a completed frame among the last 30 outcomes, so a loaded machine takes longer.
  const frames = vtestFrames(30);
  let sent = 0;
  const deadline = Date.now() + 90_000;
  while (!client.messages.some((m) => m.warning === 'slow_down') && Date.now() < deadline) {
    client.send(frames[sent % frames.length]);
    sent += 1;
    await new Promise((r) => setTimeout(r, 30));
  }
  const warning = await client.waitFor((m) => m.warning === 'slow_down', 1000);
  await client.waitForCount((m) => typeof m.frame_index === 'number', sent, 120_000);
  t.true(client.messages.filter(isDropped).length > 0);
  const results = client.messages.filter(isResult);
  t.true(results.length >= 1);
  for (const r of results) t.deepEqual((r.result as FrameResult).texts, [], 'a street frame holds no text line');
  t.true((warning.drop_rate as number) > 0.5, JSON.stringify(warning));
  client.close();
});
