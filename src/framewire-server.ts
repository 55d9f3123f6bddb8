/**
 * Assembles the server: pipeline service, Express app, HTTP listener. Used by
 * the `npm start` entry point and by the tests (port 0), so both run the same
 * wiring.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createApp } from './api/app';
import { VideoStreamEndpoint } from './api/routes/video-stream';
import type { Config } from './config';
import type { Logger } from './logger';
import { Metrics } from './metrics';
import { readManifest } from './models/manifest';
import { openCvInfo } from './native/binding';
import { VideoFilePipelineService } from './services/pipeline';

export interface RunningServer {
  readonly service: VideoFilePipelineService;
  readonly stream: VideoStreamEndpoint;
  readonly metrics: Metrics;
  readonly http: http.Server;
  readonly port: number;
  /** Resolves when every model is loaded and warmed up (also when /readyz turns 200). */
  readonly ready: Promise<void>;
  /**
   * Graceful: refuses new sessions, answers every accepted stream frame, closes
   * sessions 1001, then stops HTTP. Bounded by STREAM_SHUTDOWN_TIMEOUT_MS.
   */
  close(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const service = await VideoFilePipelineService.create(config, readManifest());
  const metrics = new Metrics(service.limiter);
  const server = http.createServer(createApp(service, metrics, config.maxFrameBytes, log));
  const stream = new VideoStreamEndpoint({ service, config: config.stream, maxFramePixels: config.maxFramePixels, metrics, log });
  stream.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host: config.host, port }, 'listening; loading models');

  const started = Date.now();
  const ready = service.load().then(() => {
    const cv = openCvInfo();
    log.info(
      { load_ms: Date.now() - started, pipelines: service.describe().map((p) => p.id), default_pipeline: service.defaultPipeline, worker_slots: config.workerSlots, opencv: cv.version, opencv_threads: cv.threads, opencv_parallel: cv.parallel },
      'models loaded and warmed up; ready',
    );
  });

  return {
    service,
    stream,
    metrics,
    http: server,
    port,
    ready,
    close: async () => {
      const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Leave a second of the deadline for HTTP and the process to finish.
      await stream.shutdown(Math.max(100, config.stream.shutdownTimeoutMs - 1000));
      server.closeAllConnections();
      await httpClosed;
    },
  };
}
