import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Project root: dist/src/config.js and src/config.ts both sit two levels below it. */
export const PROJECT_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

export interface Config {
  /** TCP port for HTTP and WebSocket. */
  readonly port: number;
  /** Interface to bind: an IP address or a host name. */
  readonly host: string;
  /**
   * A second TCP port that serves only the REST API (/v1/, /healthz, /readyz), on a thread of its own
   * (FRAMEWIRE_REST_PORT; undefined: off, REST is served on `port` alone). 0: any free port (tests).
   * Its accept, parsing and garbage then never share the streams' event loop: docs/http-api.md.
   */
  readonly restPort: number | undefined;
  /**
   * Bearer token both transports require when set (FRAMEWIRE_AUTH_TOKEN, or its alias STREAM_AUTH_TOKEN):
   * REST under /v1/ and the stream upgrade. Undefined: none. Never logged. stream.authToken is the same value.
   */
  readonly authToken: string | undefined;
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
  /** cv::setNumThreads, process-wide: threads one frame's parallel loops may use. */
  readonly openCvThreads: number;
  /**
   * Run OpenCV's parallel loops on Framewire's core-sharing backend (a frame
   * gets helper threads only for cores no other slot is using) instead of
   * OpenCV's own (TBB in Debian's build). Process-wide.
   */
  readonly coreSharing: boolean;
  /** Time a client has to send a request's headers, ms; a slower one gets 408 and the connection closes. */
  readonly httpHeadersTimeoutMs: number;
  /** Time a client has to send a whole request (headers and body), ms. At least httpHeadersTimeoutMs. */
  readonly httpRequestTimeoutMs: number;
  /** Largest request line plus headers Node's HTTP parser accepts (REST and stream upgrades), bytes; more is 431. */
  readonly httpMaxHeaderBytes: number;
  /**
   * Worker slots HTTP requests may hold at once while a stream session is open, slots (FRAMEWIRE_HTTP_MAX_SLOTS,
   * 1..workerSlots; default workerSlots - 1, at least 1). Below workerSlots, a stream frame never waits behind a
   * REST frame; REST gets fewer slots while streams are connected (every slot when none is).
   */
  readonly httpMaxSlots: number;
  /** HTTP requests that may wait for a slot; one more is answered 503 server_busy at once, requests. */
  readonly maxQueuedRequests: number;
  /** Longest an HTTP request waits for a slot before it is answered 503 server_busy, ms. */
  readonly maxQueueWaitMs: number;
  /** Largest accepted HTTP body, bytes (the stream has its own limit, stream.maxFrameBytes). */
  readonly maxFrameBytes: number;
  /** Largest accepted frame, pixels (width x height from the JPEG header). */
  readonly maxFramePixels: number;
  /**
   * Wall-clock budget of one frame's JPEG decode, ms; a frame still decoding after it is invalid_frame
   * ("decode deadline"). 0 = none. docs/reliability.md, "Per-frame cost".
   */
  readonly decodeDeadlineMs: number;
  /** Allow libjpeg's 1/8, 1/4 and 1/2 scaled decode when every model input of a pipeline fits. */
  readonly scaledDecode: boolean;
  /**
   * This process's name among several behind a load balancer, sent in every `session_started`
   * (FRAMEWIRE_INSTANCE_ID; default host name and pid, so a pod's name on Kubernetes).
   */
  readonly instanceId: string;
  /** Serve the browser demo at /demo (FRAMEWIRE_DEMO). */
  readonly demo: boolean;
  /** Origins allowed to call the HTTP API from a browser (CORS); empty: no CORS headers; ['*']: any. */
  readonly corsOrigins: readonly string[];
  readonly stream: StreamConfig;
}

/** The WebSocket endpoint's settings (STREAM_* variables). */
export interface StreamConfig {
  /** Largest accepted binary message, bytes (STREAM_MAX_FRAME_SIZE_MB, MiB, may be fractional). */
  readonly maxFrameBytes: number;
  /** A waiting frame older than this when its turn comes is dropped as stale, ms. */
  readonly maxFrameAgeMs: number;
  /** Concurrent sessions; one more is refused with server_busy. */
  readonly maxSessions: number;
  /** Frames the slow-down drop rate is computed over. */
  readonly slowDownWindow: number;
  /** Drop rate above which slow_down is sent, 0..1. */
  readonly slowDownDropRate: number;
  /** At most one slow_down per session per this many ms. */
  readonly slowDownIntervalMs: number;
  /** Required bearer token for the upgrade; undefined means none (the same value as Config.authToken). */
  readonly authToken: string | undefined;
  /** Allowed Origin values; empty means any. */
  readonly allowedOrigins: readonly string[];
  /** Ping interval, ms; a peer missing two pongs is terminated. */
  readonly heartbeatMs: number;
  /** Unsent output per session above which it is closed as client_too_slow, bytes. */
  readonly maxBufferedBytes: number;
  /**
   * The drain time: from SIGTERM until the process exits, ms (STREAM_SHUTDOWN_TIMEOUT_MS). Sessions still open
   * a second before it are cut.
   */
  readonly shutdownTimeoutMs: number;
  /**
   * After SIGTERM, how long sessions go on as usual while `/readyz` and new upgrades answer 503, before the
   * first `draining` and close, ms: time for a load balancer or Kubernetes to stop routing here.
   */
  readonly drainGraceMs: number;
  /** A draining session closes once its accepted frames are answered and no frame arrived for this long, ms. */
  readonly drainQuietMs: number;
  /** Tracking, zones and lines for sessions that track (STREAM_TRACK_*, STREAM_ZONE_*, STREAM_LINE_*). */
  readonly tracking: TrackingConfig;
}

/** The tracker's and the zone/line counters' settings (the TrackingPolicy of src/services/tracking). */
export interface TrackingConfig {
  /** Detections scoring at least this join the first association and may start tracks, 0..1. */
  readonly highScore: number;
  /** Updates a new track needs before it is confirmed and gets a track_id. */
  readonly confirmHits: number;
  /** A confirmed track unseen for longer than this is removed, ms (time, not frames: dropped frames do not age it faster). */
  readonly keepMs: number;
  /** Live tracks per session at most; beyond it no new track starts. */
  readonly maxTracks: number;
  /** Consecutive updates inside (outside) a zone before a track enters (exits) it. */
  readonly zoneInertia: number;
  /** Consecutive updates on a line's new side before a crossing counts. */
  readonly lineConfirmUpdates: number;
  /** Distance from a line within which an anchor is on neither side, as a fraction of the box's height. */
  readonly lineMargin: number;
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

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) throw new ConfigError(name, `must be a number, got "${raw}"`);
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

/** A path variable: any string Node can open, so not one with a NUL byte. */
function filePath(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return path.resolve(fallback);
  if (raw.includes('\0')) throw new ConfigError(name, 'must not contain a NUL byte');
  return path.resolve(raw);
}

/** An IP literal, or a host name of letters, digits, dots and hyphens (RFC 1123). */
function validHost(host: string): boolean {
  if (isIP(host) !== 0) return true;
  return host.length <= 253 && host.split('.').every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label));
}

/**
 * The bearer token: FRAMEWIRE_AUTH_TOKEN, or STREAM_AUTH_TOKEN (its earlier name, kept as an alias). Both set to
 * different values is contradictory and fails. The error names the variable, never the value.
 */
function authToken(env: Env): string | undefined {
  const primary = env.FRAMEWIRE_AUTH_TOKEN === '' ? undefined : env.FRAMEWIRE_AUTH_TOKEN;
  const alias = env.STREAM_AUTH_TOKEN === '' ? undefined : env.STREAM_AUTH_TOKEN;
  if (primary !== undefined && alias !== undefined && primary !== alias) {
    throw new ConfigError('FRAMEWIRE_AUTH_TOKEN', 'and STREAM_AUTH_TOKEN (its alias) are both set, to different values; set one');
  }
  const [name, token] = primary !== undefined ? ['FRAMEWIRE_AUTH_TOKEN', primary] : ['STREAM_AUTH_TOKEN', alias];
  if (token === undefined) return undefined;
  if (token.length < 16) throw new ConfigError(name, 'must be at least 16 characters when set');
  // It travels in an Authorization header or a query string, and is compared after trimming.
  if (!/^[\x21-\x7e]+$/.test(token)) throw new ConfigError(name, 'must be printable ASCII without spaces');
  return token;
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
  if (!validHost(host)) throw new ConfigError('HOST', `must be an IP address or a host name, got "${host}"`);
  const token = authToken(env);

  const workerSlots = integer(env, 'FRAMEWIRE_WORKER_SLOTS', cores, 1, MAX_SLOTS);
  // By default one slot is left to the streams while any session is open (none to leave with a single slot).
  const httpMaxSlots = integer(env, 'FRAMEWIRE_HTTP_MAX_SLOTS', Math.max(1, workerSlots - 1), 1, MAX_SLOTS);
  if (httpMaxSlots > workerSlots) throw new ConfigError('FRAMEWIRE_HTTP_MAX_SLOTS', `(${httpMaxSlots}) must not exceed FRAMEWIRE_WORKER_SLOTS (${workerSlots})`);
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const restPort = env.FRAMEWIRE_REST_PORT === undefined || env.FRAMEWIRE_REST_PORT === '' ? undefined : integer(env, 'FRAMEWIRE_REST_PORT', 0, 0, 65535);
  if (restPort !== undefined && restPort !== 0 && restPort === port) throw new ConfigError('FRAMEWIRE_REST_PORT', `(${restPort}) must differ from PORT: the REST port is a second listener`);

  const httpHeadersTimeoutMs = integer(env, 'FRAMEWIRE_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  const httpRequestTimeoutMs = integer(env, 'FRAMEWIRE_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000);
  // Node refuses a headers timeout longer than the request timeout; say so at start, naming the variables.
  if (httpHeadersTimeoutMs > httpRequestTimeoutMs) {
    throw new ConfigError('FRAMEWIRE_HTTP_HEADERS_TIMEOUT_MS', `(${httpHeadersTimeoutMs}) must not exceed FRAMEWIRE_HTTP_REQUEST_TIMEOUT_MS (${httpRequestTimeoutMs})`);
  }

  const config: Config = {
    port,
    host,
    restPort,
    authToken: token,
    logLevel,
    modelDir: filePath(env, 'FRAMEWIRE_MODEL_DIR', path.join(PROJECT_ROOT, '.models')),
    modelMirror: env.FRAMEWIRE_MODEL_MIRROR ? filePath(env, 'FRAMEWIRE_MODEL_MIRROR', '') : undefined,
    pipelinesFile: filePath(env, 'FRAMEWIRE_PIPELINES', path.join(PROJECT_ROOT, 'config', 'pipelines.json')),
    workerSlots,
    httpMaxSlots,
    openCvThreads: integer(env, 'FRAMEWIRE_OPENCV_THREADS', cores, 1, MAX_THREADS),
    coreSharing: boolean(env, 'FRAMEWIRE_CORE_SHARING', true),
    httpHeadersTimeoutMs,
    httpRequestTimeoutMs,
    httpMaxHeaderBytes: integer(env, 'FRAMEWIRE_HTTP_MAX_HEADER_BYTES', 16 * 1024, 1024, 1024 * 1024),
    maxQueuedRequests: integer(env, 'FRAMEWIRE_MAX_QUEUED_REQUESTS', 32, 0, 100_000),
    maxQueueWaitMs: integer(env, 'FRAMEWIRE_MAX_QUEUE_WAIT_MS', 10_000, 1, 600_000),
    maxFrameBytes: integer(env, 'FRAMEWIRE_MAX_FRAME_BYTES', 5 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxFramePixels: integer(env, 'FRAMEWIRE_MAX_FRAME_PIXELS', 40_000_000, 1, 1_000_000_000),
    decodeDeadlineMs: integer(env, 'FRAMEWIRE_DECODE_DEADLINE_MS', 1000, 0, 600_000),
    scaledDecode: boolean(env, 'FRAMEWIRE_SCALED_DECODE', true),
    instanceId: instanceId(env),
    demo: boolean(env, 'FRAMEWIRE_DEMO', true),
    corsOrigins: corsOrigins(env),
    stream: loadStreamConfig(env, token),
  };
  return Object.freeze(config);
}

/** FRAMEWIRE_INSTANCE_ID, or host name and pid: unique per process on one host and across a fleet's hosts. */
function instanceId(env: Env): string {
  const raw = env.FRAMEWIRE_INSTANCE_ID;
  if (raw === undefined || raw === '') return `${os.hostname()}-${process.pid}`;
  // It goes into JSON messages and logs as is: a short name, no spaces or quotes.
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(raw)) throw new ConfigError('FRAMEWIRE_INSTANCE_ID', `must be 1-128 characters of A-Z a-z 0-9 . _ : -, got "${raw}"`);
  return raw;
}

/** The stream's share of the drain time: the rest (one second) is for HTTP requests and the process. */
const DRAIN_RESERVE_MS = 1000;

function corsOrigins(env: Env): readonly string[] {
  const origins = (env.FRAMEWIRE_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.includes('*') && origins.length > 1) throw new ConfigError('FRAMEWIRE_CORS_ORIGINS', '"*" allows every origin: give it alone, or list origins');
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError('FRAMEWIRE_CORS_ORIGINS', `"${origin}" must be scheme://host[:port] with no path, or *`);
  }
  return Object.freeze(origins);
}

function loadStreamConfig(env: Env, token: string | undefined): StreamConfig {
  const origins = (env.STREAM_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError('STREAM_ALLOWED_ORIGINS', `"${origin}" must be scheme://host[:port] with no path`);
  }
  const shutdownTimeoutMs = integer(env, 'STREAM_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000);
  const drainGraceMs = integer(env, 'STREAM_DRAIN_GRACE_MS', 0, 0, 600_000);
  const drainQuietMs = integer(env, 'STREAM_DRAIN_QUIET_MS', 500, 10, 60_000);
  // A grace and a quiet period that do not fit in the drain time would turn every drain into a cut: say so at start.
  if (drainGraceMs + drainQuietMs > shutdownTimeoutMs - DRAIN_RESERVE_MS) {
    throw new ConfigError(
      'STREAM_DRAIN_GRACE_MS',
      `(${drainGraceMs}) plus STREAM_DRAIN_QUIET_MS (${drainQuietMs}) must not exceed STREAM_SHUTDOWN_TIMEOUT_MS (${shutdownTimeoutMs}) less ${DRAIN_RESERVE_MS} ms`,
    );
  }
  return Object.freeze({
    maxFrameBytes: Math.floor(decimal(env, 'STREAM_MAX_FRAME_SIZE_MB', 5, 0.001, 256) * 1024 * 1024),
    maxFrameAgeMs: integer(env, 'STREAM_MAX_FRAME_AGE_MS', 1000, 1, 600_000),
    maxSessions: integer(env, 'STREAM_MAX_SESSIONS', 64, 1, 100_000),
    slowDownWindow: integer(env, 'STREAM_SLOWDOWN_WINDOW', 30, 2, 10_000),
    slowDownDropRate: decimal(env, 'STREAM_SLOWDOWN_DROP_RATE', 0.5, 0, 0.99),
    slowDownIntervalMs: integer(env, 'STREAM_SLOWDOWN_INTERVAL_MS', 1000, 1, 3_600_000),
    authToken: token,
    allowedOrigins: Object.freeze(origins),
    heartbeatMs: integer(env, 'STREAM_HEARTBEAT_MS', 15_000, 10, 3_600_000),
    maxBufferedBytes: integer(env, 'STREAM_MAX_BUFFERED_BYTES', 1024 * 1024, 1024, 1024 * 1024 * 1024),
    shutdownTimeoutMs,
    drainGraceMs,
    drainQuietMs,
    tracking: Object.freeze({
      highScore: decimal(env, 'STREAM_TRACK_HIGH_SCORE', 0.5, 0, 1),
      confirmHits: integer(env, 'STREAM_TRACK_CONFIRM_HITS', 2, 1, 100),
      keepMs: integer(env, 'STREAM_TRACK_KEEP_MS', 1500, 0, 600_000),
      maxTracks: integer(env, 'STREAM_TRACK_MAX_TRACKS', 256, 1, 10_000),
      zoneInertia: integer(env, 'STREAM_ZONE_INERTIA', 3, 1, 100),
      lineConfirmUpdates: integer(env, 'STREAM_LINE_CONFIRM_UPDATES', 2, 1, 100),
      lineMargin: decimal(env, 'STREAM_LINE_MARGIN', 0.1, 0, 10),
    }),
  });
}
