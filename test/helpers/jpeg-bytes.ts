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

/** The frame with its last scan (SOS header and entropy-coded data) repeated `times` more before EOI. */
export function withRepeatedLastScan(jpeg: Buffer, times: number): Buffer {
  const lastScan = jpeg.lastIndexOf(Buffer.from([0xff, 0xda])); // FF DA cannot occur inside entropy-coded data (FF is stuffed)
  const scan = jpeg.subarray(lastScan, jpeg.length - 2);
  return Buffer.concat([jpeg.subarray(0, jpeg.length - 2), ...Array.from({ length: times }, () => scan), Buffer.from([0xff, 0xd9])]);
}

/** The number of scans (SOS markers) in a JPEG. */
export function jpegScans(jpeg: Buffer): number {
  let n = 0;
  for (let i = jpeg.indexOf(Buffer.from([0xff, 0xda])); i >= 0; i = jpeg.indexOf(Buffer.from([0xff, 0xda]), i + 2)) n++;
  return n;
}

/** The frame with an EXIF APP1 segment right after SOI that says Orientation = `orientation`. */
export function withExifOrientation(jpeg: Buffer, orientation: number): Buffer {
  // TIFF header (little endian), one IFD entry: tag 0x0112 Orientation, type SHORT, count 1, value.
  const tiff = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, orientation, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}
