/**
 * Assembles the server: pipeline service, Express app, HTTP listener. Used by
 * the `npm start` entry point and by the tests (port 0), so both run the same
 * wiring.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createApp } from './api/app';
import type { Config } from './config';
import type { Logger } from './logger';
import { readManifest } from './models/manifest';
import { openCvInfo } from './native/binding';
import { VideoFilePipelineService } from './services/pipeline';

export interface RunningServer {
  readonly service: VideoFilePipelineService;
  readonly http: http.Server;
  readonly port: number;
  /** Resolves when every model is loaded and warmed up (also when /readyz turns 200). */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const service = await VideoFilePipelineService.create(config, readManifest());
  const server = http.createServer(createApp(service, config.maxFrameBytes, log));
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
      { load_ms: Date.now() - started, pipelines: service.describe().map((p) => p.id), default_pipeline: service.defaultPipeline, worker_slots: config.workerSlots, opencv: cv.version, opencv_threads: cv.threads },
      'models loaded and warmed up; ready',
    );
  });

  return {
    service,
    http: server,
    port,
    ready,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
