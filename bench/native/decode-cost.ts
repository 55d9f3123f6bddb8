/**
 * node dist/bench/native/decode-cost.js [--repeat N]
 *
 * The per-frame decode cost model (docs/reliability.md, "Per-frame cost"): decode time against pixels x scans.
 * Frames are messi5.jpg scaled to 1000x1000 and 2000x2000 (grey and colour), encoded baseline (1 scan) and
 * progressive (libjpeg's default script: 6 scans grey, 10 colour), and progressive with the last scan repeated
 * to 50 and 100 scans (the scan limit). Each runs through the real engine (pipeline detect_fast, one slot, one
 * thread, no decode deadline); decode_ms is the engine's own decode stage time, the median of --repeat runs.
 * Prints a markdown table, and the fitted ns per pixel-scan.
 */
import { parseArgs } from 'node:util';

import cv from '../../test/helpers/opencv';
import { jpegScans, withRepeatedLastScan } from '../../test/helpers/jpeg-bytes';
import { readMedia } from '../../test/helpers/media';
import { loadedService } from '../../test/helpers/service';

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '3' } } });
const repeat = Number(values.repeat);

async function main(): Promise<void> {
  const service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_OPENCV_THREADS: '1', FRAMEWIRE_DECODE_DEADLINE_MS: '0', FRAMEWIRE_MAX_FRAME_BYTES: String(64 * 1024 * 1024) });
  const messi = cv.imdecode(readMedia('messi5.jpg'));
  const medianDecodeMs = async (bytes: Buffer): Promise<number> => {
    const times: number[] = [];
    for (let r = 0; r < repeat; r++) times.push((await service.runOnFrame('detect_fast', bytes)).timings_ms.decode);
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  };
  console.log('| frame | bytes | scans | pixels x scans (M) | decode ms (median) | ns per pixel-scan |');
  console.log('|---|---|---|---|---|---|');
  const fits: [number, number][] = [];
  for (const side of [1000, 2000]) {
    for (const colour of [false, true]) {
      const image = (colour ? messi : messi.bgrToGray()).resize(side, side);
      const baseline = cv.imencode('.jpg', image, [cv.IMWRITE_JPEG_QUALITY, 90]);
      const progressive = cv.imencode('.jpg', image, [cv.IMWRITE_JPEG_QUALITY, 90, cv.IMWRITE_JPEG_PROGRESSIVE, 1]);
      const variants: [string, Buffer][] = [
        ['baseline', baseline],
        ['progressive', progressive],
        ['progressive x50', withRepeatedLastScan(progressive, 50 - jpegScans(progressive))],
        ['progressive x100', withRepeatedLastScan(progressive, 100 - jpegScans(progressive))],
      ];
      for (const [name, bytes] of variants) {
        const ms = await medianDecodeMs(bytes);
        const scans = jpegScans(bytes);
        const pixelScans = side * side * scans;
        fits.push([pixelScans, ms]);
        console.log(`| ${side}x${side} ${colour ? 'colour 4:2:0' : 'grey'} ${name} | ${bytes.length} | ${scans} | ${(pixelScans / 1e6).toFixed(0)} | ${ms.toFixed(1)} | ${((ms * 1e6) / pixelScans).toFixed(2)} |`);
      }
    }
  }
  // The decode-limits deadline test's frame: flat grey 4000x4000, progressive, 100 scans (66 KB).
  const flat = cv.imencode('.jpg', new cv.Mat(4000, 4000, cv.CV_8UC1, 128), [cv.IMWRITE_JPEG_QUALITY, 90, cv.IMWRITE_JPEG_PROGRESSIVE, 1]);
  const bomb = withRepeatedLastScan(flat, 100 - jpegScans(flat));
  const ms = await medianDecodeMs(bomb);
  console.log(`| 4000x4000 flat grey progressive x100 (the deadline test's frame) | ${bomb.length} | 100 | 1600 | ${ms.toFixed(1)} | ${((ms * 1e6) / 1.6e9).toFixed(2)} |`);
  // Least squares through the origin: ms = k x pixel-scans.
  const k = fits.reduce((s, [x, y]) => s + x * y, 0) / fits.reduce((s, [x]) => s + x * x, 0);
  console.log(`\nfit: decode ms ~= ${(k * 1e6).toFixed(3)} ns x pixels x scans`);
}

void main().then(() => process.exit(0));
