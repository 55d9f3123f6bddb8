/** Disconnect mid-frame: the in-flight job finishes, nothing is sent, nothing leaks. */
import test from 'ava';

import { vtestFrames } from './helpers/frames';
import { runningServer } from './helpers/service';
import { StreamClient } from './helpers/stream-client';

test('a client that vanishes with frames in flight and waiting leaves no session, lane or slot behind', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  t.teardown(() => server.close());
  for (let round = 0; round < 5; round++) {
    const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect_accurate`);
    for (const f of vtestFrames(3)) client.send(f);
    await new Promise((r) => setTimeout(r, 15)); // frame 0 in flight, frame 2 waiting
    client.ws.terminate();
  }
  // A lane left in the scheduler's turn order would leak (and be asked for frames of a closed session).
  for (let i = 0; i < 100 && (server.scheduler.inFlight > 0 || server.streams.activeSessions > 0); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  t.is(server.streams.activeSessions, 0);
  t.is(server.streams.waitingFrames, 0);
  t.is(server.scheduler.readyLanes, 0);
  t.is(server.scheduler.openStreamLanes, 0, 'a lane still counted open would keep the HTTP slot cap on');
  t.is(server.scheduler.inFlight, 0);
  t.is(server.scheduler.queuedRequests, 0);
  // And the engine still serves.
  const next = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`);
  await next.sendPaced(vtestFrames(1));
  t.is(next.answers().length, 1);
  next.close();
});
