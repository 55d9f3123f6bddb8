/**
 * The engine's blob packing (native/core/blob.cc, through test/native/blob_packer.cc) against
 * cv::dnn::blobFromImage, which it replaces because it costs about half: every blob byte-identical, on real
 * photos and vtest frames, for the darknet and YOLOX inputs and a few sizes more.
 */
import { execFileSync } from 'node:child_process';

import test from 'ava';

import { mediaPath } from './helpers/media';
import { compileNativeProgram } from './helpers/native-program';

test('every packed blob is byte-identical to blobFromImage; a non-BGR image is refused', (t) => {
  const binary = compileNativeProgram('blob_packer', ['test/native/blob_packer.cc', 'native/core/blob.cc']);
  const photos = ['messi5.jpg', 'baboon.jpg', 'fruits.jpg', 'licenseplate_motion.jpg'].map(mediaPath);
  // 10 vtest frames, 80 apart: 768x576, as the benchmark sends them.
  const report = JSON.parse(execFileSync(binary, [...photos, mediaPath('vtest.avi'), '80', '10'], { encoding: 'utf8' })) as {
    images: number;
    cases: number;
    mismatches: string[];
    refused_grey: boolean;
  };
  t.is(report.images, 14);
  t.is(report.cases, 14 * 2 * 5, 'each image and a view into it, five sizes each');
  t.deepEqual(report.mismatches, []);
  t.true(report.refused_grey);
});
