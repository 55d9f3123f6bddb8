/**
 * Stress of the core-sharing parallel backend alone (test/native/parallel_backend_stress.cc, compiled here
 * against native/core): threads acting as slots run thousands of parallel regions of random sizes while
 * toggling busy, so helpers are lent and withheld in every interleaving. Every index runs exactly once, no
 * region hangs (the binary's watchdog aborts), and helpers were really lent.
 */
import { execFileSync } from 'node:child_process';

import test from 'ava';

import { compileNativeProgram } from './helpers/native-program';

test('60,000 regions from 3 slot threads: every stripe exactly once, no hang, helpers lent', (t) => {
  const binary = compileNativeProgram('parallel_backend_stress', ['test/native/parallel_backend_stress.cc', 'native/core/parallel_backend.cc'], ['-O2', '-pthread']);
  const out = execFileSync(binary, ['3', '20000', '120'], { encoding: 'utf8' });
  const report = JSON.parse(out.trim()) as { regions: number; miscounts: number; backend_regions: number; helped_regions: number };
  t.is(report.regions, 60_000);
  t.is(report.miscounts, 0);
  t.true(report.backend_regions > 0, 'the regions ran on the core-sharing backend');
  t.true(report.helped_regions > 100, `helpers joined some regions (${report.helped_regions})`);
});
