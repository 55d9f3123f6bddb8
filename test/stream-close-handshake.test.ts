/**
 * After a fatal error the server keeps reading, so the client's close reply arrives and the close handshake
 * completes normally: the server sees the peer's close code, not 1006 (a connection cut because the
 * handshake never finished).
 */
import test from 'ava';

import { runningServer } from './helpers/service';
import { StreamClient } from './helpers/stream-client';

test('a session closed on invalid_message completes the close handshake: the server logs the peer\'s 1003', async (t) => {
  const logs: Record<string, unknown>[] = [];
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' }, logs);
  t.teardown(() => server.close());
  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect`);
  client.ws.send('hello');
  t.is((await client.closed).code, 1003);
  const disconnect = await new Promise<Record<string, unknown>>((resolve) => {
    const poll = (): void => {
      const found = logs.find((l) => l.msg === 'stream_disconnect');
      if (found) resolve(found);
      else setTimeout(poll, 10);
    };
    poll();
  });
  t.is(disconnect.close_code, 1003, 'the server received the client\'s close frame');
});
