/**
 * The layer rules in eslint.config.mjs (docs/architecture.md: api -> services/streaming -> services/pipeline ->
 * native/binding) must catch what they are meant to. A pattern that never matches a relative import would let
 * `npm run lint` pass on any import, so each rule is tried here on a probe file in the layer it guards, through
 * ESLint's own API with the project's config: every forbidden import is reported, every allowed one is not.
 */
import path from 'node:path';

import test from 'ava';
import { ESLint } from 'eslint';

import { PROJECT_ROOT } from '../src/config';

const eslint = new ESLint({ cwd: PROJECT_ROOT });

/** The no-restricted-imports reports for a file in `dir` that imports `specifier` and nothing else. */
async function restrictions(dir: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import '${specifier}';\n`, { filePath: path.join(PROJECT_ROOT, dir, 'layer-probe.ts') });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const forbidden: [dir: string, specifier: string][] = [
  ['src/api', '../native/binding'],
  ['src/api', '../native'],
  ['src/api/routes', '../../native/binding'],
  ['src/api', '../services/pipeline'],
  ['src/api/rest-port', '../../services/pipeline/video-file-pipeline-service'],
  ['src/api', '../services/tracking'],
  ['src/services/streaming', '../../native/binding'],
  ['src/services/streaming', '../../api/app'],
  ['src/services/streaming', '../../api'],
  ['src/services/pipeline', '../streaming'],
  ['src/services/pipeline', '../streaming/backpressure'],
  ['src/services/pipeline', '../tracking'],
  ['src/services/pipeline', '../../api/routes/pipelines'],
  ['src/services/tracking', '../pipeline'],
  ['src/services/tracking', '../streaming'],
  ['src/services/tracking', '../../native/binding'],
  ['src/client', '../services/streaming'],
  ['src/client', 'node:fs'],
  ['src/cli', '../services/pipeline'],
];

const allowed: [dir: string, specifier: string][] = [
  ['src/api', '../services/streaming'],
  ['src/api/routes', '../../protocol'],
  ['src/services/streaming', '../pipeline'],
  ['src/services/streaming', '../tracking'],
  ['src/services/pipeline', '../../native/binding'],
  ['src/services/pipeline', '../../protocol'],
  ['src/services/tracking', '../../protocol'],
];

for (const [dir, specifier] of forbidden) {
  test(`${dir} may not import ${specifier}`, async (t) => {
    const reports = await restrictions(dir, specifier);
    t.true(reports.length > 0, `expected a no-restricted-imports report for ${specifier}`);
  });
}

for (const [dir, specifier] of allowed) {
  test(`${dir} may import ${specifier}`, async (t) => {
    t.deepEqual(await restrictions(dir, specifier), []);
  });
}
