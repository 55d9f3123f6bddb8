/** The model fetcher: copies from a mirror, verifies sha256, names the file on every failure. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import test from 'ava';

import { checkModelFile, ensureModels, ModelFileError } from '../src/models/ensure-models';
import { readManifest, type ManifestFile } from '../src/models/manifest';
import { VideoFilePipelineService } from '../src/services/pipeline';
import { testConfig } from './helpers/service';

function mirrorWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fw-mirror-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const entry = (rel: string, text: string): ManifestFile => ({
  path: rel,
  bytes: text.length,
  sha256: createHash('sha256').update(text).digest('hex'),
  url: 'http://127.0.0.1:9/never-used',
  license: 'test',
  upstream: 'test',
});

test('copies from the mirror, then finds the file cached', async (t) => {
  const mirror = mirrorWith({ 'm/a.txt': 'alpha' });
  const cache = mkdtempSync(path.join(os.tmpdir(), 'fw-cache-'));
  const sources: string[] = [];
  await ensureModels([entry('m/a.txt', 'alpha')], cache, mirror, (_f, s) => sources.push(s));
  await ensureModels([entry('m/a.txt', 'alpha')], cache, mirror, (_f, s) => sources.push(s));
  t.deepEqual(sources, ['mirror', 'cached']);
  t.is(readFileSync(path.join(cache, 'm/a.txt'), 'utf8'), 'alpha');
});

test('a corrupt mirror copy is refused, naming the file', async (t) => {
  const mirror = mirrorWith({ 'm/a.txt': 'tampered' });
  const cache = mkdtempSync(path.join(os.tmpdir(), 'fw-cache-'));
  await t.throwsAsync(ensureModels([entry('m/a.txt', 'alpha')], cache, mirror), {
    instanceOf: ModelFileError,
    message: /^model file m\/a\.txt: sha256 \w+ from the mirror does not match/,
  });
  t.is(await checkModelFile(cache, entry('m/a.txt', 'alpha')), 'missing', 'nothing half-written is left');
});

test('a file missing from the mirror names the file and what to do', async (t) => {
  const mirror = mirrorWith({});
  const cache = mkdtempSync(path.join(os.tmpdir(), 'fw-cache-'));
  await t.throwsAsync(ensureModels([entry('m/b.txt', 'beta')], cache, mirror), { message: /^model file m\/b\.txt: not readable in FRAMEWIRE_MODEL_MIRROR=.*unset it to download/ });
});

test('a corrupted cache file is detected and replaced', async (t) => {
  const mirror = mirrorWith({ 'm/a.txt': 'alpha' });
  const cache = mirrorWith({ 'm/a.txt': 'bitrot' });
  t.regex((await checkModelFile(cache, entry('m/a.txt', 'alpha'))) ?? '', /does not match the manifest/);
  await ensureModels([entry('m/a.txt', 'alpha')], cache, mirror);
  t.is(await checkModelFile(cache, entry('m/a.txt', 'alpha')), undefined);
});

test('the project manifest lists every file with a sha256, licence and pinned upstream', (t) => {
  const files = readManifest();
  t.true(files.length >= 9);
  for (const f of files) {
    t.regex(f.sha256, /^[0-9a-f]{64}$/);
    // Downloads are pinned to a commit; a file of an npm package or a Debian package is pinned by its sha256
    // (and, for npm, the exact version in package.json and the lock file, named in `upstream`).
    t.regex(f.url, /^https:\/\/.+\/[0-9a-f]{40}\/|^npm:@?[\w.-]+(\/[\w.-]+)?\/.+|^file:\/\/\/.+/);
    if (f.url.startsWith('npm:')) t.regex(f.upstream, /@\d+\.\d+\.\d+/);
    if (f.patch) t.regex(f.source_sha256 ?? '', /^[0-9a-f]{64}$/);
    t.true(f.license.length > 0);
  }
});

test('the server refuses to start when a model file is missing, naming it', async (t) => {
  const empty = mkdtempSync(path.join(os.tmpdir(), 'fw-empty-'));
  await t.throwsAsync(VideoFilePipelineService.create(testConfig({ FRAMEWIRE_MODEL_DIR: empty }), readManifest()), {
    message: /^model file yolo-fastest-1\.1\/yolo-fastest-1\.1-xl\.cfg in .* is missing: run `npm run models`/,
  });
});
