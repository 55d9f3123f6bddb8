/** Hand-built byte sequences for the bad-input tests. */

/** SOI + a baseline SOF0 declaring width x height, 3 components, then EOI: no tables, no scan. */
export function jpegHeaderOnly(width: number, height: number): Buffer {
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03,
    0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01];
  return Buffer.from([0xff, 0xd8, ...sof, 0xff, 0xd9]);
}

/** SOI + SOF0 (64x64) + SOS + `bodyLength` seeded pseudo-random bytes + EOI. */
export function jpegMarkersRandomBody(bodyLength: number, seed = 7): Buffer {
  const header = jpegHeaderOnly(64, 64).subarray(0, -2);
  const sos = Buffer.from([0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3f, 0x00]);
  return Buffer.concat([header, sos, pseudoRandom(bodyLength, seed), Buffer.from([0xff, 0xd9])]);
}

/** Deterministic bytes (xorshift32), so a failure reproduces. */
export function pseudoRandom(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
