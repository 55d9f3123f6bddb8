import pino from 'pino';

import { loadConfig, type Config } from '../../src/config';
import { createLogger, loggerOptions } from '../../src/logger';
import { readManifest } from '../../src/models/manifest';
import { startServer, type RunningServer } from '../../src/framewire-server';
import { VideoFilePipelineService } from '../../src/services/pipeline';

/** The real config from the environment, with test overrides (same names as the env vars). */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...process.env, LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ...overrides });
}

export async function loadedService(overrides: Record<string, string> = {}): Promise<VideoFilePipelineService> {
  const service = await VideoFilePipelineService.create(testConfig(overrides), readManifest());
  await service.load();
  return service;
}

/** A real server on an ephemeral loopback port, models loaded. Pass `logs` to capture its pino lines. */
export async function runningServer(overrides: Record<string, string> = {}, logs?: Record<string, unknown>[]): Promise<RunningServer & { url: string; wsUrl: string }> {
  const config = testConfig(overrides);
  const log = logs
    ? pino(loggerOptions('debug'), { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) })
    : createLogger(config.logLevel);
  const server = await startServer(config, log);
  await server.ready;
  return Object.assign(server, { url: `http://127.0.0.1:${server.port}`, wsUrl: `ws://127.0.0.1:${server.port}/ws/video/stream` });
}

export { iou } from './boxes';
