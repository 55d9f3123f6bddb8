/** Config: defaults with units, and every invalid or contradictory value fails naming its variable. */
import os from 'node:os';

import test from 'ava';

import { ConfigError, loadConfig } from '../src/config';

test('defaults', (t) => {
  const config = loadConfig({}, 2);
  t.is(config.port, 8080);
  t.is(config.host, '0.0.0.0');
  t.is(config.logLevel, 'info');
  t.is(config.workerSlots, 2, 'one slot per core');
  t.is(config.openCvThreads, 2);
  t.is(config.maxFrameBytes, 5 * 1024 * 1024);
  t.is(config.maxFramePixels, 40_000_000);
  t.true(config.scaledDecode);
  t.true(config.coreSharing);
  t.is(config.modelMirror, undefined);
  t.true(Object.isFrozen(config));
});

test('REST port: off by default; on when set, 0 for any free port. HTTP leaves one slot to open streams by default', (t) => {
  t.is(loadConfig({}, 2).restPort, undefined);
  t.is(loadConfig({ FRAMEWIRE_REST_PORT: '' }, 2).restPort, undefined, 'empty is unset');
  t.is(loadConfig({ FRAMEWIRE_REST_PORT: '8081' }, 2).restPort, 8081);
  t.is(loadConfig({ PORT: '0', FRAMEWIRE_REST_PORT: '0' }, 2).restPort, 0, 'two free ports (tests)');
  t.is(loadConfig({}, 2).httpMaxSlots, 1, 'one of two slots');
  t.is(loadConfig({ FRAMEWIRE_HTTP_MAX_SLOTS: '2' }, 2).httpMaxSlots, 2, 'every slot, when asked');
  t.is(loadConfig({ FRAMEWIRE_WORKER_SLOTS: '4' }, 2).httpMaxSlots, 3, 'follows the slots');
  t.is(loadConfig({ FRAMEWIRE_WORKER_SLOTS: '1' }, 2).httpMaxSlots, 1, 'a single slot is shared: nothing to leave');
});

test('defaults follow the core count', (t) => {
  const config = loadConfig({}, 8);
  t.is(config.workerSlots, 8);
  t.is(config.openCvThreads, 8);
});

const invalid: [Record<string, string>, RegExp][] = [
  [{ PORT: 'eighty' }, /^PORT: must be a whole number/],
  [{ PORT: '70000' }, /^PORT: must be between 0 and 65535/],
  [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of/],
  [{ FRAMEWIRE_WORKER_SLOTS: '0' }, /^FRAMEWIRE_WORKER_SLOTS: must be between 1 and 64/],
  [{ FRAMEWIRE_OPENCV_THREADS: '-1' }, /^FRAMEWIRE_OPENCV_THREADS: must be a whole number/],
  [{ FRAMEWIRE_MAX_FRAME_BYTES: '1.5' }, /^FRAMEWIRE_MAX_FRAME_BYTES: must be a whole number/],
  [{ FRAMEWIRE_MAX_FRAME_PIXELS: '0' }, /^FRAMEWIRE_MAX_FRAME_PIXELS: must be between/],
  [{ FRAMEWIRE_SCALED_DECODE: 'maybe' }, /^FRAMEWIRE_SCALED_DECODE: must be true or false/],
  [{ FRAMEWIRE_CORE_SHARING: 'tbb' }, /^FRAMEWIRE_CORE_SHARING: must be true or false/],
  [{ FRAMEWIRE_MAX_QUEUED_REQUESTS: 'many' }, /^FRAMEWIRE_MAX_QUEUED_REQUESTS: must be a whole number/],
  [{ FRAMEWIRE_REST_PORT: '8080' }, /^FRAMEWIRE_REST_PORT: \(8080\) must differ from PORT/],
  [{ PORT: '9000', FRAMEWIRE_REST_PORT: '9000' }, /^FRAMEWIRE_REST_PORT: \(9000\) must differ from PORT/],
  [{ FRAMEWIRE_REST_PORT: 'rest' }, /^FRAMEWIRE_REST_PORT: must be a whole number/],
  [{ FRAMEWIRE_REST_PORT: '65536' }, /^FRAMEWIRE_REST_PORT: must be between 0 and 65535/],
  [{ FRAMEWIRE_HTTP_MAX_SLOTS: '0' }, /^FRAMEWIRE_HTTP_MAX_SLOTS: must be between 1 and 64/],
  [{ FRAMEWIRE_WORKER_SLOTS: '2', FRAMEWIRE_HTTP_MAX_SLOTS: '3' }, /^FRAMEWIRE_HTTP_MAX_SLOTS: \(3\) must not exceed FRAMEWIRE_WORKER_SLOTS \(2\)/],
  [{ FRAMEWIRE_HTTP_HEADERS_TIMEOUT_MS: '20000', FRAMEWIRE_HTTP_REQUEST_TIMEOUT_MS: '10000' }, /^FRAMEWIRE_HTTP_HEADERS_TIMEOUT_MS: \(20000\) must not exceed FRAMEWIRE_HTTP_REQUEST_TIMEOUT_MS \(10000\)/],
];

for (const [env, message] of invalid) {
  test(`rejects ${JSON.stringify(env)}`, (t) => {
    t.throws(() => loadConfig(env, 2), { instanceOf: ConfigError, message });
  });
}

test('instance id: host name and pid by default, FRAMEWIRE_INSTANCE_ID when set', (t) => {
  t.is(loadConfig({}, 2).instanceId, `${os.hostname()}-${process.pid}`);
  t.is(loadConfig({ FRAMEWIRE_INSTANCE_ID: 'framewire-7c9f-x2:a' }, 2).instanceId, 'framewire-7c9f-x2:a');
});

test('drain: grace 0 and quiet 500 ms by default, inside the 10 s drain time', (t) => {
  const { stream } = loadConfig({}, 2);
  t.is(stream.shutdownTimeoutMs, 10_000);
  t.is(stream.drainGraceMs, 0);
  t.is(stream.drainQuietMs, 500);
  t.is(loadConfig({ STREAM_DRAIN_GRACE_MS: '8500', STREAM_DRAIN_QUIET_MS: '500' }, 2).stream.drainGraceMs, 8500, 'exactly fits');
});

const invalidDrain: [Record<string, string>, RegExp][] = [
  [{ FRAMEWIRE_INSTANCE_ID: 'has space' }, /^FRAMEWIRE_INSTANCE_ID: must be 1-128 characters/],
  [{ FRAMEWIRE_INSTANCE_ID: '"quoted"' }, /^FRAMEWIRE_INSTANCE_ID: must be 1-128 characters/],
  [{ STREAM_DRAIN_GRACE_MS: '-5' }, /^STREAM_DRAIN_GRACE_MS: must be a whole number/],
  [{ STREAM_DRAIN_QUIET_MS: '0' }, /^STREAM_DRAIN_QUIET_MS: must be between 10 and 60000/],
  [{ STREAM_DRAIN_GRACE_MS: '9000' }, /^STREAM_DRAIN_GRACE_MS: \(9000\) plus STREAM_DRAIN_QUIET_MS \(500\) must not exceed STREAM_SHUTDOWN_TIMEOUT_MS \(10000\) less 1000 ms/],
  [{ STREAM_SHUTDOWN_TIMEOUT_MS: '1000' }, /^STREAM_DRAIN_GRACE_MS: \(0\) plus STREAM_DRAIN_QUIET_MS \(500\) must not exceed STREAM_SHUTDOWN_TIMEOUT_MS \(1000\)/],
];

for (const [env, message] of invalidDrain) {
  test(`rejects ${JSON.stringify(env)}`, (t) => {
    t.throws(() => loadConfig(env, 2), { instanceOf: ConfigError, message });
  });
}
