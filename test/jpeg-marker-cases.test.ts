/**
 * One table of JPEG marker-walk cases (test/fixtures/jpeg-marker-cases.json: bytes -> verdict) for the two
 * walks that must agree: the stream's frame validator (TypeScript) and the engine's header walk (C++,
 * test/native/jpeg_marker_cases.cc compiled here against native/core). A case added to the table is checked in
 * both languages.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import test from 'ava';

import { PROJECT_ROOT } from '../src/config';
import { readJpegHeader } from '../src/services/streaming';
import { compileNativeProgram } from './helpers/native-program';

interface MarkerCase {
  name: string;
  bytes: string;
  verdict: { width: number; height: number; components: number } | { error: string };
}

const TABLE = path.join(PROJECT_ROOT, 'test/fixtures/jpeg-marker-cases.json');
const cases = (JSON.parse(readFileSync(TABLE, 'utf8')) as { cases: MarkerCase[] }).cases;

test('the table covers accepted headers and every refusal of the walk', (t) => {
  const errors = new Set(cases.flatMap((c) => ('error' in c.verdict ? [c.verdict.error.replace(/\d+/g, 'N')] : [])));
  t.true(cases.some((c) => !('error' in c.verdict)));
  t.is(errors.size, 8, [...errors].join(' | '));
});

for (const c of cases) {
  test(`TypeScript walk: ${c.name}`, (t) => {
    const got = readJpegHeader(Buffer.from(c.bytes, 'hex'));
    t.deepEqual(typeof got === 'string' ? { error: got } : got, c.verdict);
  });
}

test('C++ walk (native/core/jpeg_header.cc): every case of the same table', (t) => {
  const binary = compileNativeProgram('jpeg_marker_cases', ['test/native/jpeg_marker_cases.cc', 'native/core/jpeg_header.cc']);
  let out: string;
  try {
    out = execFileSync(binary, [TABLE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return t.fail(`mismatches:\n${stderr}${stdout}`);
  }
  t.deepEqual(JSON.parse(out.trim()), { cases: cases.length, mismatches: 0 });
});
