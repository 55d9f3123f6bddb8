/** RequestTurns: HTTP requests are handled one per event-loop turn, in arrival order, and shutdown can wait for them. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import test from 'ava';

import { RequestTurns } from '../src/api/request-turns';

const fake = (name: string): [IncomingMessage, ServerResponse] => [{ url: name } as IncomingMessage, {} as ServerResponse];

test('three requests arriving together are handled one per loop turn, in order, with other work between them', async (t) => {
  const order: string[] = [];
  const turns = new RequestTurns((req) => order.push(req.url as string));
  for (const name of ['a', 'b', 'c']) turns.listener(...fake(name));
  t.is(turns.pending, 3);
  t.deepEqual(order, [], 'nothing runs inside the parser callback');
  // Other work of this loop turn (here an immediate; a socket's data or the engine's completions in the server).
  setImmediate(() => order.push('other work'));
  t.true(await turns.idle(1000));
  t.deepEqual(order, ['a', 'other work', 'b', 'c']);
  t.is(turns.pending, 0);
});

test('idle: true at once when nothing waits; false at the deadline when the queue does not empty in time', async (t) => {
  const turns = new RequestTurns(() => {
    const until = Date.now() + 30;
    while (Date.now() < until); // a slow handler
  });
  t.true(await turns.idle(0));
  for (const name of ['a', 'b', 'c', 'd']) turns.listener(...fake(name));
  t.false(await turns.idle(10));
  t.true(await turns.idle(1000));
});
