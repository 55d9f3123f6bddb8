/**
 * The darknet heads read without the Region layers (native/core/darknet_heads.cc, through
 * test/native/darknet_heads.cc) against the Region layers' own outputs: on real photos and vtest frames, for both
 * darknet models the server ships, at five score thresholds (below, at and above the Region layers' own 0.2 cut)
 * with and without a class filter, every candidate equal bit for bit. Also that the engine's path really skips the
 * Region layers for these models (it falls back to them for heads it cannot match).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import test from 'ava';

import { mediaPath } from './helpers/media';
import { compileNativeProgram } from './helpers/native-program';
import { testConfig } from './helpers/service';

interface Report {
  images: number;
  skips_region_layers: boolean[];
  cases: number;
  candidates: number;
  mismatches: string[];
}

test('decoding the Permute outputs gives the Region layers\' candidates bit for bit, for both darknet models', (t) => {
  // -O3 as the addon is built: the comparison is of float bits.
  const binary = compileNativeProgram('darknet_heads', ['test/native/darknet_heads.cc', 'native/core/darknet_heads.cc', 'native/core/nms.cc'], ['-O3']);
  const dir = path.join(testConfig().modelDir, 'yolo-fastest-1.1');
  const models = ['yolo-fastest-1.1', 'yolo-fastest-1.1-xl'].flatMap((m) => [path.join(dir, `${m}.cfg`), path.join(dir, `${m}.weights`)]);
  const photos = ['messi5.jpg', 'baboon.jpg', 'fruits.jpg', 'licenseplate_motion.jpg'].map(mediaPath);
  // 10 vtest frames, 80 apart.
  const args = [...models, '--', ...photos, mediaPath('vtest.avi'), '80', '10'];
  const report = JSON.parse(execFileSync(binary, args, { encoding: 'utf8' })) as Report;
  t.is(report.images, 14);
  t.deepEqual(report.skips_region_layers, [true, true]);
  t.is(report.cases, 2 * 14 * 5 * 2, 'two models, 14 images, five thresholds, with and without a class filter');
  t.true(report.candidates > 1000, `only ${report.candidates} candidates compared`);
  t.deepEqual(report.mismatches, []);
});
