/**
 * SIGTERM with HTTP requests waiting (issue 9, defect 14): every request the server accepted is answered
 * (with its result, or 503) before the sockets close; none is reset. While it drains, a new request and
 * /readyz answer 503 server_busy (a load balancer stops sending), /healthz still answers 200.
 */
import test from 'ava';

import { readMedia } from './helpers/media';
import { runningServer } from './helpers/service';
import { waitUntil } from './helpers/wait';

const jpeg = { 'Content-Type': 'image/jpeg' };

test('requests queued at shutdown are all answered; new ones and /readyz get 503 while it drains', async (t) => {
  const server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_MAX_QUEUED_REQUESTS: '100' });
  const frame = readMedia('messi5.jpg');
  // detect_accurate is the slowest pipeline: 12 requests on one slot keep it busy for a while.
  let settled = 0;
  const queued = Array.from({ length: 12 }, () =>
    fetch(`${server.url}/v1/pipelines/detect_accurate/infer`, { method: 'POST', body: frame, headers: jpeg }).then(
      async (res) => ({ status: res.status, body: (await res.json()) as { error?: string } }),
      (err: Error) => ({ status: 0, body: { error: `no HTTP answer: ${err.message}` } }),
    ).finally(() => settled++),
  );
  // Shut down once every request is inside: answered, running, waiting for the slot, or holding its place while
  // its body is read (counted, not timed: a request still on its way at close() would rightly get 503).
  const { scheduler } = server;
  await waitUntil(() => settled + scheduler.inFlightRequests + scheduler.queuedRequests + scheduler.heldPlaces >= queued.length, 5000, 5);
  const closing = server.close();
  const during = await fetch(`${server.url}/v1/pipelines/detect/infer`, { method: 'POST', body: frame, headers: jpeg });
  t.is(during.status, 503);
  t.is(((await during.json()) as { error: string }).error, 'server_busy');
  t.is((await fetch(`${server.url}/readyz`)).status, 503);
  t.is((await fetch(`${server.url}/healthz`)).status, 200);
  const answers = await Promise.all(queued);
  await closing;
  t.deepEqual(answers.filter((a) => a.status !== 200), [], 'every accepted request got its result');
});
