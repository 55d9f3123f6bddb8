/** Heartbeat: a peer that stops answering pings is terminated and its session cleaned up. */
import test from 'ava';

import { runningServer } from './helpers/service';
import { StreamClient } from './helpers/stream-client';
import { waitUntil } from './helpers/wait';

test('a peer missing two pongs is terminated; one that answers stays', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', STREAM_HEARTBEAT_MS: '100' });
  t.teardown(() => server.close());
  const silent = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`, { autoPong: false });
  // Counted from the start: the server sends exactly two pings before it cuts a silent peer, 100 ms apart.
  let pings = 0;
  silent.ws.on('ping', () => pings++);
  const alive = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`);
  await Promise.all([silent, alive].map((c) => c.waitFor((m) => m.event === 'session_started')));
  const { code } = await silent.closed;
  t.is(code, 1006, 'terminated: no close frame');
  t.true(pings >= 2);
  await waitUntil(() => server.streams.activeSessions <= 1);
  t.is(server.streams.activeSessions, 1, 'the silent session is cleaned up, the live one kept');
  const gauge = await server.metrics.sessionsActive.get();
  t.is(gauge.values.find((v) => v.labels.pipeline_id === 'detect')?.value, 1, 'and the sessions gauge follows');
  t.is(alive.ws.readyState, alive.ws.OPEN);
  alive.close();
});
