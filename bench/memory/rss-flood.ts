/**
 * node dist/bench/memory/rss-flood.js [--requests N] [--concurrency C] [--every K] [--variants a,b] [--addon FILE]
 *
 * Issue 9, defect 7: the server's resident memory under a flood of mutated frames. Starts the real server
 * (`npm start`'s flags; bench/stream/server-process.ts) once per variant, sends N REST requests
 * (POST /v1/pipelines/detect/infer) with C in flight, each a JPEG mutated with a seeded generator (bytes
 * flipped, data cut short, chunks inserted, the frame header's size changed, scans repeated: most are still
 * decoded with warnings, the rest are refused as invalid_frame), and samples the server's RSS every K
 * requests. Variants (the server process's environment; glibc reads GLIBC_TUNABLES at start):
 *   default      as `npm start` runs it
 *   arena2       glibc.malloc.arena_max=2: at most two malloc arenas (glibc's default: 8 per core)
 *   mmap1m       glibc.malloc.mmap_threshold=1 MiB, fixed: every block of 1 MiB or more is its own mapping,
 *                returned to the system when freed (glibc's default threshold starts at 128 KiB and rises
 *                to the largest block freed so far, up to 32 MiB, after which such blocks come from arenas)
 *   arena2+mmap1m  both
 * --addon FILE runs the server with another build of the addon (FRAMEWIRE_ADDON_PATH): an A/B of a native change.
 * Prints one markdown table per variant (requests, RSS MB, status counts) and a summary line: the RSS after
 * warm-up (the first sample at 10% of N), at the end, and the slope over the second half in MB per 1,000
 * requests. Same seed, same frames, same order for every variant.
 */
import { parseArgs } from 'node:util';

import { startServerProcess } from '../stream/server-process';
import cv from '../../test/helpers/opencv';
import { jpegScans, pseudoRandom, withRepeatedLastScan } from '../../test/helpers/jpeg-bytes';
import { readMedia, videoFramesAsJpeg } from '../../test/helpers/media';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5600' },
    concurrency: { type: 'string', default: '4' },
    every: { type: 'string', default: '400' },
    variants: { type: 'string', default: 'default' },
    addon: { type: 'string' },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const every = Number(values.every);
const VARIANTS: Record<string, Record<string, string>> = {
  default: {},
  arena2: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' },
  mmap1m: { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1048576' },
  'arena2+mmap1m': { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=1048576' },
};
const extraEnv: Record<string, string> = values.addon ? { FRAMEWIRE_ADDON_PATH: values.addon } : {};

/** xorshift32: the same mutation sequence for every variant. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function baseFrames(): Buffer[] {
  const messi = cv.imdecode(readMedia('messi5.jpg'));
  const progressive = cv.imencode('.jpg', messi, [cv.IMWRITE_JPEG_QUALITY, 90, cv.IMWRITE_JPEG_PROGRESSIVE, 1]);
  return [
    ...videoFramesAsJpeg('vtest.avi', 0, 4),
    readMedia('messi5.jpg'),
    progressive,
    withRepeatedLastScan(progressive, 60 - jpegScans(progressive)),
    cv.imencode('.jpg', messi.resize(1080, 1920), [cv.IMWRITE_JPEG_QUALITY, 85]),
  ];
}

function mutate(frame: Buffer, random: () => number): Buffer {
  const body = Buffer.from(frame);
  const at = (from: number): number => from + Math.floor(random() * (body.length - from - 2));
  switch (Math.floor(random() * 5)) {
    case 0: // flip a few bytes anywhere after SOI
      for (let i = 1 + Math.floor(random() * 16); i > 0; i--) body[at(2)] ^= 1 + Math.floor(random() * 255);
      return body;
    case 1: // cut short, end marker kept
      return Buffer.concat([body.subarray(0, at(64)), Buffer.from([0xff, 0xd9])]);
    case 2: // a random chunk inserted
      return Buffer.concat([body.subarray(0, at(64)), pseudoRandom(1 + Math.floor(random() * 4096), Math.floor(random() * 1e9)), body.subarray(at(64))]);
    case 3: {
      // the first frame header's size changed (up to 4000 x 4000: different decode buffer sizes)
      const sof = body.findIndex((b, i) => b === 0xff && i + 1 < body.length && body[i + 1] >= 0xc0 && body[i + 1] <= 0xc2);
      if (sof > 0) {
        body.writeUInt16BE(1 + Math.floor(random() * 4000), sof + 5);
        body.writeUInt16BE(1 + Math.floor(random() * 4000), sof + 7);
      }
      return body;
    }
    default: // unchanged
      return body;
  }
}

async function flood(variant: string): Promise<void> {
  const server = await startServerProcess({ ...VARIANTS[variant], ...extraEnv });
  const url = `http://127.0.0.1:${server.port}/v1/pipelines/detect/infer`;
  const frames = baseFrames();
  const random = rng(20261130);
  const statuses = new Map<number, number>();
  const samples: { requests: number; rssMb: number }[] = [{ requests: 0, rssMb: server.rssMb() }];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < requests) {
      next++;
      const body = mutate(frames[Math.floor(random() * frames.length)], random);
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (++done % every === 0) samples.push({ requests: done, rssMb: server.rssMb() });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await server.stop();

  console.log(`\n### ${variant} ${JSON.stringify({ ...VARIANTS[variant], ...extraEnv })}: ${requests} requests, ${concurrency} in flight; statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  console.log('| requests | RSS MB |\n|---|---|');
  for (const s of samples) console.log(`| ${s.requests} | ${s.rssMb.toFixed(1)} |`);
  const warm = samples.find((s) => s.requests >= requests / 10) ?? samples[0];
  const half = samples.filter((s) => s.requests >= requests / 2);
  const slope = half.length > 1 ? ((half[half.length - 1].rssMb - half[0].rssMb) / (half[half.length - 1].requests - half[0].requests)) * 1000 : NaN;
  console.log(`\nsummary ${variant}: start ${samples[0].rssMb.toFixed(1)} MB, after warm-up (${warm.requests}) ${warm.rssMb.toFixed(1)} MB, end ${samples[samples.length - 1].rssMb.toFixed(1)} MB, max ${Math.max(...samples.map((s) => s.rssMb)).toFixed(1)} MB, second-half slope ${slope.toFixed(2)} MB per 1,000 requests`);
}

async function main(): Promise<void> {
  for (const variant of values.variants.split(',')) await flood(variant);
}

void main().then(() => process.exit(0));
