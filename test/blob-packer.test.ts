/**
 * The engine's blob packing (native/core/blob.cc, through test/native/blob_packer.cc) against
 * cv::dnn::blobFromImage, which it replaces: the engine packs an 8-bit blob and lets the network's input layer scale
 * it (net.setInput(blob, "", scale)). On real photos and vtest frames: every 8-bit blob byte-identical to
 * blobFromImage's, and both detectors' outputs bit-identical to what the float blob from blobFromImage gave them.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import test from 'ava';

import { mediaPath } from './helpers/media';
import { compileNativeProgram } from './helpers/native-program';
import { testConfig } from './helpers/service';

interface Report {
  images: number;
  blob_cases: number;
  blob_mismatches: string[];
  net_cases: number;
  net_mismatches: string[];
  refused_grey: boolean;
}

test('packed blobs are byte-identical to blobFromImage and give the nets bit-identical outputs; grey is refused', (t) => {
  const binary = compileNativeProgram('blob_packer', ['test/native/blob_packer.cc', 'native/core/blob.cc']);
  const models = testConfig().modelDir;
  const nets = [
    path.join(models, 'yolo-fastest-1.1/yolo-fastest-1.1.cfg'),
    path.join(models, 'yolo-fastest-1.1/yolo-fastest-1.1.weights'),
    path.join(models, 'yolox-nano/yolox_nano.onnx'),
  ];
  const photos = ['messi5.jpg', 'baboon.jpg', 'fruits.jpg', 'licenseplate_motion.jpg'].map(mediaPath);
  // 10 vtest frames, 80 apart: 768x576, as the benchmark sends them.
  const args = [...nets, ...photos, mediaPath('vtest.avi'), '80', '10'];
  const report = JSON.parse(execFileSync(binary, args, { encoding: 'utf8' })) as Report;
  t.is(report.images, 14);
  t.is(report.blob_cases, 14 * 2 * 5, 'each image and a view into it, five sizes each');
  t.deepEqual(report.blob_mismatches, []);
  t.is(report.net_cases, 14 * 2, 'each image through Yolo-Fastest and YOLOX-nano');
  t.deepEqual(report.net_mismatches, []);
  t.true(report.refused_grey);
});
