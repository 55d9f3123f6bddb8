/** Limits and safety: max sessions, bearer token, allowed origins. */
import test from 'ava';

import { runningServer } from './helpers/service';
import { StreamClient } from './helpers/stream-client';
import { waitUntil } from './helpers/wait';

const TOKEN = 'test-token-0123456789abcdef';
let server: Awaited<ReturnType<typeof runningServer>>;
test.before(async () => {
  server = await runningServer({
    FRAMEWIRE_WORKER_SLOTS: '1',
    STREAM_MAX_SESSIONS: '2',
    STREAM_AUTH_TOKEN: TOKEN,
    STREAM_ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:3000',
  });
});
test.after.always(() => server?.close());

const auth = { headers: { Authorization: `Bearer ${TOKEN}` } };

test.serial('no token: HTTP 401 before any WebSocket exists', async (t) => {
  const error = await t.throwsAsync(StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`));
  t.is((error as Error & { status: number }).status, 401);
  const wrong = await t.throwsAsync(StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`, { headers: { Authorization: 'Bearer nope' } }));
  t.is((wrong as Error & { status: number }).status, 401);
  t.is(server.streams.activeSessions, 0);
});

test.serial('the token works as a Bearer header or as ?token=', async (t) => {
  const byHeader = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`, auth);
  const byQuery = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect&token=${TOKEN}`);
  for (const c of [byHeader, byQuery]) t.like(await c.waitFor((m) => m.event === 'session_started'), { pipeline_id: 'detect' });
  for (const c of [byHeader, byQuery]) {
    c.close();
    await c.closed;
  }
});

test.serial('another Origin gets HTTP 403; an allowed one connects', async (t) => {
  const evil = await t.throwsAsync(StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`, { ...auth, origin: 'https://evil.example.net' }));
  t.is((evil as Error & { status: number }).status, 403);
  const good = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect`, { ...auth, origin: 'http://localhost:3000' });
  good.close();
  await good.closed;
});

test.serial('one session over STREAM_MAX_SESSIONS gets server_busy, close 1013', async (t) => {
  const first = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`, auth);
  const second = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`, auth);
  await Promise.all([first, second].map((c) => c.waitFor((m) => m.event === 'session_started')));
  const third = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`, auth);
  t.is((await third.closed).code, 1013);
  t.is(third.messages[0].error, 'server_busy');
  t.deepEqual(Object.keys(third.messages[0]).sort(), ['detail', 'error']);
  first.close();
  await first.closed;
  // The server hears the close on its own side of the socket: wait for the place to free (counted, not timed).
  await waitUntil(() => server.streams.activeSessions < 2);
  const fourth = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect`, auth);
  t.like(await fourth.waitFor((m) => m.event === 'session_started'), { pipeline_id: 'detect' }, 'a freed place is usable again');
  for (const c of [second, fourth]) c.close();
});

test.serial('other paths are refused with HTTP 404', async (t) => {
  const error = await t.throwsAsync(StreamClient.connect(`ws://127.0.0.1:${server.port}/ws/other`, auth));
  t.is((error as Error & { status: number }).status, 404);
});
