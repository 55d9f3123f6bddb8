/**
 * Assembles the server: pipeline service, Express app, HTTP listener. Used by
 * the `npm start` entry point and by the tests (port 0), so both run the same
 * wiring.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

import { createApp } from './api/app';
import { exposureWarning } from './api/auth';
import { HttpDrain } from './api/http-drain';
import { RequestTurns } from './api/request-turns';
import { RestThread, restWorkerData } from './api/rest-port/rest-thread';
import { VideoStreamEndpoint } from './api/routes/video-stream';
import type { Config } from './config';
import type { Logger } from './logger';
import { Metrics } from './metrics';
import { readManifest } from './models/manifest';
import { openCvInfo } from './native/binding';
import { VideoFilePipelineService } from './services/pipeline';
import { FrameScheduler, StreamService, localInferenceGate } from './services/streaming';

export interface RunningServer {
  readonly service: VideoFilePipelineService;
  /** The one scheduler in front of the engine (HTTP and streams). */
  readonly scheduler: FrameScheduler;
  readonly streams: StreamService;
  readonly stream: VideoStreamEndpoint;
  readonly metrics: Metrics;
  readonly http: http.Server;
  readonly port: number;
  /** The REST port (FRAMEWIRE_REST_PORT), served by its own thread; undefined when it is off. */
  readonly restPort: number | undefined;
  /** Resolves when every model is loaded and warmed up (also when /readyz turns 200). */
  readonly ready: Promise<void>;
  /**
   * Graceful: refuses new sessions, serves open ones for STREAM_DRAIN_GRACE_MS, drains them (every frame
   * answered, close 1001 once quiet), then stops HTTP. Bounded by STREAM_SHUTDOWN_TIMEOUT_MS.
   */
  close(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const service = await VideoFilePipelineService.create(config, readManifest());
  // One scheduler in front of the engine, sized to its worker slots: the frames inside never exceed them.
  // A pipeline id from a client becomes a metric label only if it is configured: bounded cardinality.
  const metrics = new Metrics((pipelineId) => (service.isValidPipeline(pipelineId) ? pipelineId : 'unknown'));
  const scheduler = new FrameScheduler(service.slots, (pipelineId, bytes, overrides) => service.runFrame(pipelineId, bytes, overrides), {
    maxQueuedRequests: config.maxQueuedRequests,
    maxQueueWaitMs: config.maxQueueWaitMs,
    // Applies while a stream session is open (StreamService opens each session's lane with the scheduler).
    maxHttpSlots: Math.min(config.httpMaxSlots, service.slots),
  });
  const streams = new StreamService({
    scheduler,
    pipelines: service,
    limits: { maxBytes: config.stream.maxFrameBytes, maxPixels: config.maxFramePixels },
    policy: config.stream,
    tracking: config.stream.tracking,
    maxSessions: config.stream.maxSessions,
    metrics,
    log,
    clock: () => performance.now(),
  });
  metrics.watchScheduler({
    capacity: scheduler.capacity,
    get inFlight() { return scheduler.inFlight; },
    get inFlightRequests() { return scheduler.inFlightRequests; },
    maxHttpSlots: scheduler.maxHttpSlots,
    get queuedRequests() { return scheduler.queuedRequests; },
    get waitingStreamFrames() { return streams.waitingFrames; },
  });
  metrics.watchTracks(() => streams.activeTracks());
  metrics.watchReadiness(() => service.ready && streams.accepting);
  // HTTP drains on the stream service's 'accepting': one truth for 'shutting down'.
  const drain = new HttpDrain(() => streams.accepting);
  // Each HTTP request is handled in its own event-loop turn, so a burst cannot hold the streams' frames back.
  const gate = localInferenceGate(service, scheduler, metrics);
  const web = { corsOrigins: config.corsOrigins, demo: config.demo, authToken: config.authToken };
  const turns = new RequestTurns(createApp({ gate, ready: () => service.ready, metrics, maxFrameBytes: config.maxFrameBytes, log, drain, web }));
  const server = http.createServer(
    {
      // Slow or stalled clients cannot hold connections: a request's headers and its whole body each have a
      // deadline (408, then the connection closes), checked every second rather than Node's default 30 s.
      headersTimeout: config.httpHeadersTimeoutMs,
      requestTimeout: config.httpRequestTimeoutMs,
      connectionsCheckingInterval: 1000,
      // The request line (URL included) and headers together; larger gets 431 before any route runs.
      maxHeaderSize: config.httpMaxHeaderBytes,
    },
    turns.listener,
  );
  const stream = new VideoStreamEndpoint({ streams, config: config.stream, instanceId: config.instanceId, log });
  stream.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  // The REST port's thread: REST requests there are accepted and parsed off this event loop (the streams').
  let rest: { thread: RestThread; port: number } | undefined;
  if (config.restPort !== undefined) {
    try {
      rest = await RestThread.start(restWorkerData(config, scheduler.capacity), gate, log, (refused) => metrics.httpBusy.inc(refused), (err) => {
        // A REST port that stopped answering while /readyz says ready would keep its traffic: stop the whole
        // instance so its supervisor restarts it.
        log.fatal({ err }, 'the REST port stopped; exiting');
        process.exit(1);
      });
    } catch (err) {
      server.close();
      throw err;
    }
    rest.thread.setState(false, true);
  }
  log.info({ host: config.host, port, rest_port: rest?.port }, 'listening; loading models');
  const exposed = exposureWarning(config.host, config.authToken);
  if (exposed) log.warn({ host: config.host }, exposed);

  const started = Date.now();
  const ready = service.load().then(() => {
    rest?.thread.setState(true, streams.accepting);
    const cv = openCvInfo();
    log.info(
      { instance_id: config.instanceId, load_ms: Date.now() - started, pipelines: service.describe().map((p) => p.id), default_pipeline: service.defaultPipeline, worker_slots: config.workerSlots, opencv: cv.version, opencv_threads: cv.threads, opencv_parallel: cv.parallel },
      'models loaded and warmed up; ready',
    );
  });

  return {
    service,
    scheduler,
    streams,
    stream,
    metrics,
    http: server,
    port,
    restPort: rest?.port,
    ready,
    close: async () => {
      // The listener stays open while the server drains: a new upgrade or request meanwhile gets a 503
      // server_busy answer instead of a refused connection. Streams first (shutdown turns 'accepting' off
      // for HTTP too), then the HTTP requests already accepted; half a second of the deadline is left for
      // the sockets and the process.
      const end = performance.now() + config.stream.shutdownTimeoutMs - 500;
      // The REST port stops accepting with the main port, and drains beside the streams.
      rest?.thread.setState(service.ready, false);
      const restClosed = rest?.thread.close(Math.max(100, end - performance.now() - 500));
      await stream.shutdown(Math.max(100, end - performance.now() - 500));
      await turns.idle(Math.max(0, end - performance.now()));
      const drained = await drain.idle(Math.max(0, end - performance.now()));
      if (!drained) log.warn({ open_requests: drain.active }, 'shutdown deadline reached; cutting remaining HTTP requests');
      if ((await restClosed) === -1) log.warn('the REST port did not finish its drain in time; ended it');
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await httpClosed;
    },
  };
}
