/**
 * Property-based fuzzing of config parsing (issue 9's protocol fuzzer): for any environment, loadConfig either
 * returns a deeply frozen config whose values sit inside their documented ranges, or throws a ConfigError whose
 * message starts with the name of a variable that is set. Never another kind of throw, never a half-valid config.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';
import fc from 'fast-check';

import { ConfigError, loadConfig, PROJECT_ROOT, type Config } from '../src/config';

/** Every variable src/config.ts reads. */
const VARIABLES = [
  'PORT', 'HOST', 'LOG_LEVEL', 'FRAMEWIRE_MODEL_DIR', 'FRAMEWIRE_MODEL_MIRROR', 'FRAMEWIRE_PIPELINES', 'FRAMEWIRE_WORKER_SLOTS',
  'FRAMEWIRE_OPENCV_THREADS', 'FRAMEWIRE_CORE_SHARING', 'FRAMEWIRE_HTTP_HEADERS_TIMEOUT_MS', 'FRAMEWIRE_HTTP_REQUEST_TIMEOUT_MS', 'FRAMEWIRE_HTTP_MAX_HEADER_BYTES',
  'FRAMEWIRE_MAX_QUEUED_REQUESTS', 'FRAMEWIRE_MAX_QUEUE_WAIT_MS', 'FRAMEWIRE_MAX_FRAME_BYTES', 'FRAMEWIRE_MAX_FRAME_PIXELS', 'FRAMEWIRE_SCALED_DECODE',
  'FRAMEWIRE_AUTH_TOKEN', 'STREAM_AUTH_TOKEN', 'STREAM_MAX_FRAME_SIZE_MB', 'STREAM_MAX_FRAME_AGE_MS', 'STREAM_MAX_SESSIONS',
  'STREAM_SLOWDOWN_WINDOW', 'STREAM_SLOWDOWN_DROP_RATE', 'STREAM_SLOWDOWN_INTERVAL_MS', 'STREAM_ALLOWED_ORIGINS',
  'STREAM_HEARTBEAT_MS', 'STREAM_MAX_BUFFERED_BYTES', 'STREAM_SHUTDOWN_TIMEOUT_MS', 'STREAM_TRACK_HIGH_SCORE', 'STREAM_TRACK_CONFIRM_HITS',
  'STREAM_TRACK_KEEP_MS', 'STREAM_TRACK_MAX_TRACKS', 'STREAM_ZONE_INERTIA', 'STREAM_LINE_CONFIRM_UPDATES', 'STREAM_LINE_MARGIN',
  'STREAM_DRAIN_GRACE_MS', 'STREAM_DRAIN_QUIET_MS', 'FRAMEWIRE_DECODE_DEADLINE_MS', 'FRAMEWIRE_CORS_ORIGINS', 'FRAMEWIRE_DEMO', 'FRAMEWIRE_INSTANCE_ID',
  'FRAMEWIRE_REST_PORT', 'FRAMEWIRE_HTTP_MAX_SLOTS',
] as const;

/** Values that reach every branch: numbers in and out of range, fractions, signs, words, hosts, tokens, junk. */
const value = fc.oneof(
  fc.nat().map(String),
  fc.integer({ min: -10, max: 100_000 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('', ' ', '0', '1', '2', '64', '65', '1e3', '0x10', '1.5', '.5', '5.', ' 7 ', '٣', 'Infinity', 'NaN', '-0'),
  fc.constantFrom('true', 'false', 'yes', 'off', 'ON', 'maybe', 'info', 'debug', 'silent', 'loud'),
  fc.constantFrom('127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'example.com', 'a..b', '-x.com', 'not a host', '[::1]', '999.1.1.1'),
  fc.constantFrom('http://a.example', 'https://b.example:8443', 'ftp://x', 'http://a/path', 'http://a, https://b', ','),
  fc.stringMatching(/^[!-~]{0,40}$/),
  fc.string({ maxLength: 40, unit: 'binary' }),
);

const env = fc.dictionary(fc.constantFrom(...VARIABLES), value, { maxKeys: 6 });

function deeplyFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

/** The documented ranges (docs/configuration.md), checked on every config that loads. */
function inRange(c: Config): boolean {
  const between = (v: number, min: number, max: number): boolean => Number.isFinite(v) && v >= min && v <= max;
  const s = c.stream;
  return (
    Number.isInteger(c.port) && between(c.port, 0, 65535) && c.host.trim() !== '' &&
    between(c.workerSlots, 1, 64) && between(c.openCvThreads, 1, 256) && Number.isInteger(c.httpMaxSlots) && between(c.httpMaxSlots, 1, c.workerSlots) &&
    (c.restPort === undefined || (Number.isInteger(c.restPort) && between(c.restPort, 0, 65535) && (c.restPort === 0 || c.restPort !== c.port))) &&
    between(c.httpHeadersTimeoutMs, 100, 600_000) && c.httpHeadersTimeoutMs <= c.httpRequestTimeoutMs &&
    between(c.httpMaxHeaderBytes, 1024, 1024 * 1024) && between(c.maxQueuedRequests, 0, 100_000) && between(c.maxFrameBytes, 1024, 256 * 1024 * 1024) && between(c.maxFramePixels, 1, 1e9) &&
    between(s.maxFrameBytes, 1, 256 * 1024 * 1024) && between(s.maxSessions, 1, 100_000) && between(s.slowDownDropRate, 0, 0.99) &&
    between(s.heartbeatMs, 10, 3_600_000) && s.authToken === c.authToken && (c.authToken === undefined || c.authToken.length >= 16) &&
    s.allowedOrigins.every((o) => /^https?:\/\/[^/\s]+$/.test(o))
  );
}

test('any environment: a frozen config in range, or a ConfigError naming a variable that is set', (t) => {
  fc.assert(
    fc.property(env, (vars) => {
      let config: Config;
      try {
        config = loadConfig(vars, 2);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const named = /^([A-Z_]+): /.exec(err.message)?.[1];
        if (named === undefined || !(VARIABLES as readonly string[]).includes(named)) return false;
        // A contradiction between two variables names the first; the message names the other.
        return vars[named as keyof typeof vars] !== undefined || VARIABLES.some((v) => v !== named && vars[v] !== undefined && err.message.includes(v));
      }
      return deeplyFrozen(config) && inRange(config);
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('unknown variables are ignored: the defaults load', (t) => {
  fc.assert(
    fc.property(fc.dictionary(fc.stringMatching(/^[A-Z_]{1,20}$/).filter((k) => !(VARIABLES as readonly string[]).includes(k)), fc.string()), (vars) => {
      const config = loadConfig(vars, 2);
      return config.port === 8080 && config.workerSlots === 2 && deeplyFrozen(config);
    }),
  );
  t.pass();
});

test('the fuzzed variables are every variable src/config.ts reads (a new variable is fuzzed too)', (t) => {
  const source = readFileSync(path.join(PROJECT_ROOT, 'src', 'config.ts'), 'utf8');
  const read = new Set([...source.matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]));
  t.deepEqual([...read].filter((v) => !(VARIABLES as readonly string[]).includes(v)), []);
});
