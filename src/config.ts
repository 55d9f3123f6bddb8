import os from 'node:os';
import path from 'node:path';

/** Project root: dist/src/config.js and src/config.ts both sit two levels below it. */
export const PROJECT_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

export interface Config {
  /** TCP port for HTTP and WebSocket. */
  readonly port: number;
  /** Interface to bind. */
  readonly host: string;
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  readonly logLevel: string;
  /** Directory holding the model files (filled by `npm run models`). */
  readonly modelDir: string;
  /** Optional offline mirror `npm run models` copies from instead of downloading. */
  readonly modelMirror: string | undefined;
  /** Pipeline registry file. */
  readonly pipelinesFile: string;
  /** Frames processed at once: one cv::dnn::Net per model per slot. */
  readonly workerSlots: number;
  /** cv::setNumThreads, process-wide (Debian's OpenCV runs its parallel loops on TBB). */
  readonly openCvThreads: number;
  /** Largest accepted frame, bytes. */
  readonly maxFrameBytes: number;
  /** Largest accepted frame, pixels (width x height from the JPEG header). */
  readonly maxFramePixels: number;
  /** Allow libjpeg's 1/2 and 1/4 scaled decode when every model input of a pipeline fits. */
  readonly scaledDecode: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** Hard ceilings that keep a typo from asking for absurd resources. */
const MAX_SLOTS = 64;
const MAX_THREADS = 256;

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/**
 * Reads, validates and freezes the configuration. Throws ConfigError naming
 * the variable on any invalid or contradictory value, so a bad deployment
 * fails at start instead of at the first frame.
 */
export function loadConfig(env: Env = process.env, cores: number = os.availableParallelism()): Config {
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const host = env.HOST ?? '0.0.0.0';
  if (host.trim() === '') throw new ConfigError('HOST', 'must not be empty');

  const workerSlots = integer(env, 'FRAMEWIRE_WORKER_SLOTS', cores, 1, MAX_SLOTS);
  const uvPool = integer(env, 'UV_THREADPOOL_SIZE', 4, 1, 1024);
  // Each frame in flight occupies one libuv pool thread for its whole run;
  // fewer pool threads than slots would silently cap concurrency.
  if (env.UV_THREADPOOL_SIZE !== undefined && uvPool < workerSlots) {
    throw new ConfigError('UV_THREADPOOL_SIZE', `(${uvPool}) must be at least FRAMEWIRE_WORKER_SLOTS (${workerSlots})`);
  }

  const config: Config = {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host,
    logLevel,
    modelDir: path.resolve(env.FRAMEWIRE_MODEL_DIR ?? path.join(PROJECT_ROOT, '.models')),
    modelMirror: env.FRAMEWIRE_MODEL_MIRROR ? path.resolve(env.FRAMEWIRE_MODEL_MIRROR) : undefined,
    pipelinesFile: path.resolve(env.FRAMEWIRE_PIPELINES ?? path.join(PROJECT_ROOT, 'config', 'pipelines.json')),
    workerSlots,
    openCvThreads: integer(env, 'FRAMEWIRE_OPENCV_THREADS', cores, 1, MAX_THREADS),
    maxFrameBytes: integer(env, 'FRAMEWIRE_MAX_FRAME_BYTES', 5 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxFramePixels: integer(env, 'FRAMEWIRE_MAX_FRAME_PIXELS', 40_000_000, 1, 1_000_000_000),
    scaledDecode: boolean(env, 'FRAMEWIRE_SCALED_DECODE', true),
  };
  return Object.freeze(config);
}

/**
 * libuv sizes its pool on first use, so this must run before any async fs or
 * native job: gives every worker slot a pool thread plus two for fs and dns.
 */
export function sizeThreadPool(config: Config, env: NodeJS.ProcessEnv = process.env): void {
  if (env.UV_THREADPOOL_SIZE === undefined) env.UV_THREADPOOL_SIZE = String(Math.max(4, config.workerSlots + 2));
}
