/** Every error code the native engine answers with is a code of src/errors.ts, and the engine's own names match. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { PROJECT_ROOT } from '../src/config';
import { ERROR_CODES, isErrorCode } from '../src/errors';
import { NATIVE_ERROR_CODES } from '../src/native/binding';

for (const code of NATIVE_ERROR_CODES) {
  test(`native ${code} is a key of ERROR_CODES`, (t) => {
    t.true(Object.hasOwn(ERROR_CODES, code), `src/errors.ts needs ${code}: the engine answers with it`);
    t.true(isErrorCode(code));
  });
}

test('NATIVE_ERROR_CODES lists exactly the names the engine gives its error codes (ErrorCodeName)', (t) => {
  const source = readFileSync(path.join(PROJECT_ROOT, 'native', 'core', 'engine.cc'), 'utf8');
  const names = [...source.matchAll(/case ErrorCode::k\w+:\s*return "(\w+)";/g)].map((m) => m[1]);
  t.true(names.length > 0, 'ErrorCodeName not found in native/core/engine.cc');
  t.deepEqual([...new Set(names)].sort(), [...NATIVE_ERROR_CODES].sort());
});
