/** Slow-down: sent under a flood, never under a paced stream. */
import test from 'ava';

import { vtestFrames } from './helpers/frames';
import { runningServer } from './helpers/service';
import { StreamClient } from './helpers/stream-client';

let server: Awaited<ReturnType<typeof runningServer>>;
test.before(async () => {
  // One warning per minute: "exactly one for the flood" must not depend on how long the flood takes to answer
  // on a loaded machine. The interval itself is held on a fake clock in stream-session-manager.test.ts.
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '2', STREAM_SLOWDOWN_INTERVAL_MS: '60000' });
});
test.after.always(() => server?.close());

const isWarning = (m: Record<string, unknown>): boolean => m.warning === 'slow_down';

test('a flood gets slow_down with the drop rate and the rate frames actually complete at', async (t) => {
  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect`);
  const frames = vtestFrames(60);
  for (const frame of frames) client.send(frame);
  const warning = await client.waitFor(isWarning);
  await client.waitForCount((m) => typeof m.frame_index === 'number', frames.length);
  t.deepEqual(Object.keys(warning).sort(), ['detail', 'drop_rate', 'suggested_fps', 'warning']);
  t.true((warning.drop_rate as number) > 0.5, JSON.stringify(warning));
  // detect takes ~20 ms a frame here: a completion rate, not the flood's send rate.
  t.true((warning.suggested_fps as number) > 1 && (warning.suggested_fps as number) < 200, JSON.stringify(warning));
  t.regex(warning.detail as string, /dropped; send at most/);
  t.is(client.messages.filter(isWarning).length, 1, 'at most once per STREAM_SLOWDOWN_INTERVAL_MS');
  client.close();
});

test('a client pacing itself below capacity never gets one', async (t) => {
  const client = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect_fast`);
  await client.sendPaced(vtestFrames(45)); // more than the 30-frame window
  t.false(client.messages.some(isWarning));
  t.false(client.messages.some((m) => m.dropped === true));
  client.close();
});
