/**
 * docs/reliability.md's "Limits" table against the code: every variable it names is read by src/config.ts and
 * documented in docs/configuration.md, its default is the one loadConfig gives, and the fixed limits it
 * states are the constants in the source.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { loadConfig, PROJECT_ROOT, type Config } from '../src/config';

const read = (file: string): string => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');

/** The table's rows as cells (limit, variable, default, over the limit, enforced in). */
function limitRows(): string[][] {
  const doc = read('docs/reliability.md');
  const section = doc.slice(doc.indexOf('\n## Limits'), doc.indexOf('\n## ', doc.indexOf('\n## Limits') + 1));
  return section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| limit') && !l.startsWith('|---')).map((l) => l.split(' | ').map((c) => c.replace(/^\| |\s*\|$/g, '').trim()));
}

/** The config value each variable sets, in the unit the table states. */
const VALUE: Record<string, (c: Config) => number> = {
  FRAMEWIRE_HTTP_MAX_HEADER_BYTES: (c) => c.httpMaxHeaderBytes,
  FRAMEWIRE_HTTP_HEADERS_TIMEOUT_MS: (c) => c.httpHeadersTimeoutMs,
  FRAMEWIRE_HTTP_REQUEST_TIMEOUT_MS: (c) => c.httpRequestTimeoutMs,
  FRAMEWIRE_MAX_FRAME_BYTES: (c) => c.maxFrameBytes,
  FRAMEWIRE_MAX_QUEUED_REQUESTS: (c) => c.maxQueuedRequests,
  FRAMEWIRE_MAX_QUEUE_WAIT_MS: (c) => c.maxQueueWaitMs,
  FRAMEWIRE_MAX_FRAME_PIXELS: (c) => c.maxFramePixels,
  STREAM_MAX_FRAME_SIZE_MB: (c) => c.stream.maxFrameBytes / (1024 * 1024),
  STREAM_MAX_SESSIONS: (c) => c.stream.maxSessions,
  STREAM_MAX_FRAME_AGE_MS: (c) => c.stream.maxFrameAgeMs,
  STREAM_MAX_BUFFERED_BYTES: (c) => c.stream.maxBufferedBytes,
  STREAM_HEARTBEAT_MS: (c) => c.stream.heartbeatMs,
  STREAM_SHUTDOWN_TIMEOUT_MS: (c) => c.stream.shutdownTimeoutMs,
  STREAM_TRACK_MAX_TRACKS: (c) => c.stream.tracking.maxTracks,
};

test('every variable in the Limits table is read by config.ts, documented, and has the default loadConfig gives', (t) => {
  const rows = limitRows();
  t.true(rows.length >= 15, `the table has its rows (${rows.length})`);
  const config = loadConfig({}, 2);
  const source = read('src/config.ts');
  const documented = read('docs/configuration.md');
  const checked = new Set<string>();
  for (const [limit, variables, byDefault] of rows) {
    for (const variable of variables.match(/[A-Z][A-Z_]+[A-Z]/g) ?? []) {
      t.true(source.includes(`'${variable}'`) || source.includes(`env.${variable}`), `${variable} (${limit}) is read by src/config.ts`);
      t.true(documented.includes(`\`${variable}\``), `${variable} is in docs/configuration.md`);
      const value = VALUE[variable];
      if (!value) continue;
      const stated = Number(/\d+(\.\d+)?/.exec(byDefault.replace(/,/g, ''))?.[0]);
      // The heartbeat row states the interval after the ping count.
      const expected = variable === 'STREAM_HEARTBEAT_MS' ? Number(/(\d+) ms/.exec(byDefault)?.[1]) : stated;
      t.is(expected, value(config), `${variable}: the table says ${byDefault}`);
      checked.add(variable);
    }
  }
  t.deepEqual([...checked].sort(), Object.keys(VALUE).sort(), 'every numeric variable was checked');
  t.true(rows.some(([, v, d]) => v.includes('FRAMEWIRE_WORKER_SLOTS') && d === 'number of cores') && config.workerSlots === 2, 'slots default to the cores');
});

test('the fixed limits in the table are the constants in the source', (t) => {
  const row = (start: string): string[] => limitRows().find(([limit]) => limit.startsWith(start)) ?? [];
  t.is(row('progressive scans')[2], '100');
  t.regex(read('native/core/jpeg_decoder.h'), /int max_scans = 100;/);
  t.is(row('close handshake')[2], '2000 ms');
  t.regex(read('src/api/stream/stream-connection.ts'), /const CLOSE_GRACE_MS = 2000;/);
  t.regex(row('stream message')[3], /over twice it/);
  t.regex(read('src/api/routes/video-stream.ts'), /maxPayload: 2 \* deps\.config\.maxFrameBytes/);
  t.regex(row('idle keep-alive')[2], /5000 ms/);
  t.notRegex(read('src/framewire-server.ts'), /keepAliveTimeout/, 'Node\'s default keep-alive timeout is not overridden');
  t.is(row('control message length')[2], '65536 characters');
  t.regex(read('src/services/streaming/control-message.ts'), /MAX_CONTROL_MESSAGE_CHARS = 64 \* 1024;/);
  t.is(row('zones / lines / polygon points')[2], '16 / 16 / 64');
  t.regex(read('src/services/tracking/layout.ts'), /zones: 16, lines: 16, polygonPoints: 64,/);
});
