/**
 * Property-based fuzzing of the frame validator (issue 9's protocol fuzzer): any bytes either pass with a
 * header that respects the limits, or are refused with invalid_frame or frame_too_large. Never another
 * throw, never a header outside the limits. Inputs: arbitrary bytes, JPEG-shaped marker sequences built from
 * random segments, and random mutations of a real JPEG (messi5.jpg).
 */
import test from 'ava';
import fc from 'fast-check';

import { FramewireError } from '../src/errors';
import { readJpegHeader, validateFrame, type FrameLimits } from '../src/services/streaming/frame-validator';
import { jpegHeaderOnly } from './helpers/jpeg-bytes';
import { readMedia } from './helpers/media';

const RUNS = { numRuns: 2000 };
const real = readMedia('messi5.jpg');

/** The verdict: the header, or the error code. Any other throw fails the property. */
function verdict(bytes: Uint8Array, limits: FrameLimits): { width: number; height: number; components: number } | string {
  try {
    return validateFrame(bytes, limits);
  } catch (err) {
    if (!(err instanceof FramewireError)) throw err;
    return err.code;
  }
}

function checkVerdict(bytes: Uint8Array, limits: FrameLimits): boolean {
  const v = verdict(bytes, limits);
  if (typeof v === 'string') {
    if (v === 'frame_too_large') return bytes.length > limits.maxBytes;
    return v === 'invalid_frame' && bytes.length <= limits.maxBytes;
  }
  return (
    bytes.length <= limits.maxBytes && bytes.length >= 4 &&
    bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9 &&
    v.width > 0 && v.height > 0 && v.width * v.height <= limits.maxPixels && [1, 3, 4].includes(v.components)
  );
}

const limits = fc.record({ maxBytes: fc.integer({ min: 0, max: 4096 }), maxPixels: fc.integer({ min: 1, max: 70_000 }) });

/** One marker segment: a marker byte (any, the SOFn range favoured), a length that may lie, and a payload. */
const segment = fc.tuple(
  fc.oneof(fc.integer({ min: 0xc0, max: 0xcf }), fc.constantFrom(0x01, 0xd0, 0xd9, 0xda, 0xdb, 0xe0, 0xe1, 0xfe, 0xff, 0x00), fc.integer({ min: 0, max: 255 })),
  fc.uint8Array({ maxLength: 24 }),
  fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
).map(([marker, payload, lyingLength]) => {
  const length = lyingLength ?? payload.length + 2;
  return Uint8Array.from([0xff, marker, length >> 8, length & 0xff, ...payload]);
});

const jpegShaped = fc.tuple(fc.array(segment, { maxLength: 8 }), fc.boolean(), fc.uint8Array({ maxLength: 8 })).map(([segments, withEoi, tail]) =>
  Uint8Array.from([0xff, 0xd8, ...segments.flatMap((s) => [...s]), ...tail, ...(withEoi ? [0xff, 0xd9] : [])]));

test('arbitrary bytes: a header within the limits, or invalid_frame / frame_too_large', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), limits, (bytes, l) => checkVerdict(bytes, l)), RUNS);
  t.pass();
});

test('JPEG-shaped marker sequences (random segments, lying lengths): same property', (t) => {
  fc.assert(fc.property(jpegShaped, limits, (bytes, l) => checkVerdict(bytes, l)), RUNS);
  t.pass();
});

test('mutations of a real JPEG (byte flips, cuts, inserted bytes): same property', (t) => {
  const mutation = fc.tuple(
    fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
    fc.option(fc.tuple(fc.nat(real.length), fc.nat(real.length)), { nil: undefined }),
    fc.option(fc.tuple(fc.nat(real.length), fc.uint8Array({ minLength: 1, maxLength: 16 })), { nil: undefined }),
  ).map(([flips, cut, insert]) => {
    let bytes = Buffer.from(real);
    for (const [at, value] of flips) bytes[at] = value;
    if (insert) bytes = Buffer.concat([bytes.subarray(0, insert[0]), insert[1], bytes.subarray(insert[0])]);
    if (cut) bytes = Buffer.concat([bytes.subarray(0, Math.min(...cut)), bytes.subarray(Math.max(...cut))]);
    return bytes;
  });
  const roomy = { maxBytes: 5 * 1024 * 1024, maxPixels: 40_000_000 };
  fc.assert(fc.property(mutation, (bytes) => checkVerdict(bytes, roomy)), { numRuns: 300 });
  t.pass();
});

test('a well-formed header is accepted exactly when it fits the pixel limit, with the declared size', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 1, max: 0xffff }), fc.integer({ min: 1, max: 1e9 }), (width, height, maxPixels) => {
      const v = verdict(jpegHeaderOnly(width, height), { maxBytes: 1024, maxPixels });
      return width * height <= maxPixels ? typeof v === 'object' && v.width === width && v.height === height : v === 'invalid_frame';
    }),
    RUNS,
  );
  t.pass();
});

test('readJpegHeader never reads past the end: a prefix cut before the dimensions gives a reason, not a throw', (t) => {
  const header = jpegHeaderOnly(640, 480);
  // SOI (2) + FF C0 (2) + length (2) + precision (1) + height, width (4) + components (1): 12 bytes.
  fc.assert(fc.property(fc.nat(header.length), (cut) => {
    const v = readJpegHeader(header.subarray(0, cut));
    return cut < 12 ? typeof v === 'string' : typeof v === 'object' && v.width === 640 && v.height === 480;
  }));
  t.pass();
});
