/** Every error code in src/errors.ts is documented in docs/errors.md with its HTTP status and WebSocket close code. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { PROJECT_ROOT } from '../src/config';
import { ERROR_CODES } from '../src/errors';

const doc = readFileSync(path.join(PROJECT_ROOT, 'docs', 'errors.md'), 'utf8');

for (const [code, { http, ws }] of Object.entries(ERROR_CODES)) {
  test(`${code} is documented with HTTP ${http} and close ${ws ?? '-'}`, (t) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
    t.truthy(row, `docs/errors.md needs a table row for ${code}`);
    const cells = row!.split('|').map((c) => c.trim());
    t.is(cells[2], String(http), `docs/errors.md row for ${code} must give HTTP ${http}`);
    t.is(cells[3], ws === null ? '-' : String(ws), `docs/errors.md row for ${code} must give close code ${ws ?? '-'}`);
  });
}
