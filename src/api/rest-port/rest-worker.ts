/**
 * The REST port's thread (FRAMEWIRE_REST_PORT): an HTTP server of its own, with the main port's app for /v1/
 * and the probes. Accepting, parsing, the Express chain, the access log and the garbage a burst of requests
 * makes all stay on this thread, off the event loop that serves the streams; only each request's admission
 * and body cross to the main thread, where the one scheduler runs them. Started by rest-thread.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

import { createLogger } from '../../logger';
import { createApp } from '../app';
import { HttpDrain } from '../http-drain';
import type { FromRestThread, RestWorkerData, ToRestThread } from './messages';
import { RemoteGate } from './remote-gate';

if (!parentPort) throw new Error('rest-worker.js runs as a worker thread (src/api/rest-port/rest-thread.ts)');
const port = parentPort;
const settings = workerData as RestWorkerData;
const send = (message: FromRestThread): void => port.postMessage(message);

// Lines go straight to fd 1 from this thread (pino's destination writes there itself, not through the main
// thread), with the main logger's options; `listener` tells the two ports' lines apart.
const log = createLogger(settings.logLevel).child({ listener: 'rest' });
const gate = new RemoteGate(port, settings.maxOutstanding);
let ready = false;
let accepting = true;
const drain = new HttpDrain(() => accepting);
const app = createApp({
  gate,
  ready: () => ready,
  maxFrameBytes: settings.maxFrameBytes,
  log,
  drain,
  web: { corsOrigins: settings.corsOrigins, demo: false, authToken: settings.authToken },
});
// The main port's limits, for the same reasons (framewire-server.ts).
const server = http.createServer(
  {
    headersTimeout: settings.headersTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
    connectionsCheckingInterval: 1000,
    maxHeaderSize: settings.maxHeaderBytes,
  },
  app,
);

async function close(deadlineMs: number): Promise<void> {
  accepting = false;
  const drained = await drain.idle(deadlineMs);
  const unanswered = drained ? 0 : drain.active; // counted before the cut, which answers them all with a reset
  if (!drained) log.warn({ open_requests: unanswered }, 'shutdown deadline reached; cutting remaining REST requests');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
  send({ type: 'closed', unanswered });
}

port.on('message', (message: ToRestThread) => {
  if (message.type === 'state') {
    ready = message.ready;
    accepting = message.accepting;
  } else if (message.type === 'close') {
    void close(message.deadlineMs);
  } else {
    gate.deliver(message);
  }
});

server.once('error', (err: Error) => send({ type: 'listen_failed', message: err.message }));
server.listen(settings.port, settings.host, () => send({ type: 'listening', port: (server.address() as AddressInfo).port }));
