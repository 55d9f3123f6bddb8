/**
 * Property-based fuzzing of the upgrade gate (issue 9's protocol fuzzer). For any request target and headers:
 * checkUpgrade answers a refusal with a documented pre-upgrade code or lets the upgrade through, and never
 * throws (it runs in the HTTP server's 'upgrade' handler, where a throw ends the process: it did, for `//[`).
 * An upgrade goes through only on the stream path, while accepting, with the configured token, from an allowed
 * (or absent) Origin. redactedUrl never lets a token value through.
 */
import test from 'ava';
import fc from 'fast-check';

import { checkUpgrade, redactedUrl, STREAM_PATH } from '../src/api/stream/upgrade-gate';
import type { StreamConfig } from '../src/config';
import { loadConfig } from '../src/config';
import { FramewireError } from '../src/errors';

const TOKEN = 'abcdef0123456789abcdef';
const ORIGIN = 'https://app.example.com';
const base = loadConfig({}, 2).stream;

const configs = fc.record({ token: fc.boolean(), origins: fc.boolean() }).map(({ token, origins }): StreamConfig => ({
  ...base,
  authToken: token ? TOKEN : undefined,
  allowedOrigins: origins ? [ORIGIN] : [],
}));

/** Request targets: the stream path with odd queries, near-miss paths, absolute and scheme-relative forms, junk. */
const target = fc.oneof(
  fc.tuple(
    fc.constantFrom(STREAM_PATH, `${STREAM_PATH}/`, '/ws/video/strea', '//ws/video/stream', '/WS/video/stream', `http://x${STREAM_PATH}`, `//h${STREAM_PATH}`, '/'),
    fc.array(fc.tuple(fc.constantFrom('pipeline_id', 'token', 'TOKEN', 'x', '', '%74oken'), fc.oneof(fc.constant(TOKEN), fc.constant('detect'), fc.string({ maxLength: 12 }))), { maxLength: 4 }),
  ).map(([path, params]) => (params.length ? `${path}?${params.map(([k, v]) => `${k}=${v}`).join('&')}` : path)),
  fc.constantFrom('//[', '//a b', '//%', '//:99999', '//x:y@', '//[::1', '\\\\a', '?', '#', '//', '/%zz', '*'),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.string({ maxLength: 40 }).map((s) => `/${s}`),
);

const headers = fc.record(
  {
    authorization: fc.oneof(fc.constant(`Bearer ${TOKEN}`), fc.constant(`Bearer ${TOKEN}x`), fc.constant('Bearer '), fc.constant(`Basic ${TOKEN}`), fc.string({ maxLength: 30 })),
    origin: fc.oneof(fc.constant(ORIGIN), fc.constant('https://evil.example.com'), fc.string({ maxLength: 20 })),
  },
  { requiredKeys: [] },
);

const PRE_UPGRADE_CODES = ['invalid_request', 'not_found', 'server_busy', 'unauthorized', 'forbidden_origin'];

test('any request: a documented refusal or a pass that satisfies every rule; never a throw', (t) => {
  fc.assert(
    fc.property(target, headers, configs, fc.boolean(), (url, h, config, accepting) => {
      const verdict = checkUpgrade({ url, headers: h }, config, accepting);
      if (verdict instanceof FramewireError) return PRE_UPGRADE_CODES.includes(verdict.code) && verdict.httpStatus >= 400 && verdict.httpStatus < 600;
      const parsed = new URL(url, 'http://localhost');
      const bearer = h.authorization?.match(/^bearer +(.*)$/i)?.[1].trim();
      const presented = bearer ?? parsed.searchParams.get('token') ?? undefined;
      return (
        parsed.pathname === STREAM_PATH && accepting &&
        (config.authToken === undefined || presented === TOKEN) &&
        (config.allowedOrigins.length === 0 || h.origin === undefined || h.origin === ORIGIN) &&
        verdict.pipelineId === (parsed.searchParams.get('pipeline_id') ?? '')
      );
    }),
    { numRuns: 5000 },
  );
  t.pass();
});

test('redactedUrl: no token value survives, whatever else the query holds', (t) => {
  const secret = fc.stringMatching(/^[0-9a-f]{16,32}$/);
  const other = fc.array(fc.tuple(fc.stringMatching(/^[g-z_]{0,8}$/), fc.stringMatching(/^[g-z%=&+ ]{0,10}$/)), { maxLength: 4 });
  const tokenKey = fc.constantFrom('token', 'TOKEN', 'Token', '%74oken', 'tok%65n');
  const encoding = fc.constantFrom((s: string) => s, encodeURIComponent, (s: string) => s.replace(/./g, (c) => `%${c.charCodeAt(0).toString(16)}`));
  fc.assert(
    fc.property(secret, other, other, tokenKey, encoding, (value, before, after, key, encode) => {
      const query = [...before.map(([k, v]) => `${k}=${v}`), `${key}=${encode(value)}`, ...after.map(([k, v]) => `${k}=${v}`)].join('&');
      const logged = redactedUrl(`${STREAM_PATH}?${query}`);
      return !logged.includes(value) && !decodeURIComponent(logged.replace(/%(?![0-9a-fA-F]{2})/g, '%25')).includes(value);
    }),
    { numRuns: 3000 },
  );
  t.pass();
});
