/** The frame validator alone, on crafted buffers for every rule (no addon). */
import test from 'ava';

import { FramewireError, type ErrorCode } from '../src/errors';
import { readJpegHeader, validateFrame } from '../src/services/streaming';
import { jpegHeaderOnly, pseudoRandom } from './helpers/jpeg-bytes';
import { readMedia } from './helpers/media';

const limits = { maxBytes: 200_000, maxPixels: 1_000_000 };
const messi = readMedia('messi5.jpg');

test('a real JPEG passes and its header is read without decoding', (t) => {
  t.deepEqual(validateFrame(messi, limits), { width: 548, height: 342, components: 3 });
});

const rejects: [string, Buffer, ErrorCode, RegExp][] = [
  ['an empty message', Buffer.alloc(0), 'invalid_frame', /^empty message$/],
  ['no SOI', Buffer.concat([Buffer.from([0x00, 0x00]), messi.subarray(2)]), 'invalid_frame', /start-of-image/],
  ['random bytes', pseudoRandom(1000, 9), 'invalid_frame', /start-of-image/],
  ['no EOI (truncated)', messi.subarray(0, 30_000), 'invalid_frame', /end-of-image marker \(FF D9\): truncated/],
  ['SOI and EOI with nothing between', Buffer.from([0xff, 0xd8, 0xff, 0xd9]), 'invalid_frame', /ends before a frame header/],
  ['a scan before any frame header', Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]), 'invalid_frame', /scan starts before a frame header/],
  ['garbage where a marker belongs', Buffer.from([0xff, 0xd8, 0x12, 0x34, 0xff, 0xd9]), 'invalid_frame', /expected a marker at byte 2/],
  ['a zero-width header', jpegHeaderOnly(0, 100), 'invalid_frame', /zero dimension/],
  ['more pixels than the limit', jpegHeaderOnly(2000, 1000), 'invalid_frame', /2000x1000 = 2000000 pixels, over the limit of 1000000/],
  ['more bytes than the limit', Buffer.concat([messi.subarray(0, -2), Buffer.alloc(200_000), Buffer.from([0xff, 0xd9])]), 'frame_too_large', /bytes, the limit is 200000/],
];

for (const [name, bytes, code, detail] of rejects) {
  test(`rejects ${name} as ${code}`, (t) => {
    const error = t.throws(() => validateFrame(bytes, limits), { instanceOf: FramewireError });
    t.is(error?.code, code);
    t.regex(error!.detail, detail);
  });
}

test('fill bytes and standalone markers before SOF are skipped', (t) => {
  // SOI, fill bytes, RST0 (standalone), then the frame header.
  const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xff, 0xff, 0xd0]), jpegHeaderOnly(64, 48).subarray(2)]);
  t.deepEqual(readJpegHeader(bytes), { width: 64, height: 48, components: 3 });
});

test('a progressive (SOF2) header is read too', (t) => {
  const bytes = jpegHeaderOnly(320, 240);
  bytes[3] = 0xc2;
  t.deepEqual(readJpegHeader(bytes), { width: 320, height: 240, components: 3 });
});
