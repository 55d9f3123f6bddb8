/**
 * Writes the frames `npm run test:leak` feeds the engine under valgrind (test/sanitizers/run-leak.sh), outside
 * valgrind: making them needs @u4/opencv4nodejs, which must not load in the traced process (see leak-driver.ts).
 *
 *   - the native fuzzer's seeds (test/fuzz/seeds.ts): every photo in ../shared/media, small, in several
 *     encodings (baseline, 4:4:4, progressive, grey, restart intervals, EXIF orientations), odd shapes
 *     (1 px high, 2x2, 9x400), a header-only frame and a marker soup;
 *   - the shared marker-walk cases (test/fixtures/jpeg-marker-cases.json): every refusal of the header walk;
 *   - each seed cut in half, and with 16 bytes flipped after its header (seeded): the decoder's error and
 *     warning paths;
 *   - one 768x576 vtest frame at quality 90, the frame every pipeline runs on.
 *
 *   node dist/test/sanitizers/leak-inputs.js DIR
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { writeSeeds } from '../fuzz/seeds';
import { pseudoRandom } from '../helpers/jpeg-bytes';
import { videoFramesAsJpeg } from '../helpers/media';

const dir = process.argv[2];
if (!dir) throw new Error('usage: leak-inputs.js DIR');
writeSeeds(dir);
const seeds = readdirSync(dir).sort();
const noise = pseudoRandom(seeds.length * 32, 9);
seeds.forEach((name, n) => {
  const bytes = readFileSync(path.join(dir, name));
  writeFileSync(path.join(dir, `cut-${name}`), bytes.subarray(0, Math.floor(bytes.length / 2)));
  const flipped = Buffer.from(bytes);
  for (let i = 0; i < 16 && flipped.length > 700; i++) flipped[600 + (noise.readUInt16BE(n * 32 + 2 * i) % (flipped.length - 602))] ^= 0xff;
  writeFileSync(path.join(dir, `flipped-${name}`), flipped);
});
const table = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'jpeg-marker-cases.json'), 'utf8')) as { cases: { bytes: string }[] };
table.cases.forEach((c, i) => writeFileSync(path.join(dir, `marker-case-${String(i).padStart(2, '0')}.jpg`), Buffer.from(c.bytes, 'hex')));
writeFileSync(path.join(dir, 'every-pipeline-vtest.jpg'), videoFramesAsJpeg('vtest.avi', 0, 1)[0]);
console.log(`leak-inputs: ${readdirSync(dir).length} frames in ${dir}`);
