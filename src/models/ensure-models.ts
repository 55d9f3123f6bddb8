import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ManifestFile } from './manifest';
import { ONNX_PATCHES, patchOnnx } from './onnx-patch';

export type ModelSource = 'cached' | 'mirror' | 'download' | 'package';

export class ModelFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`model file ${file}: ${problem}`);
    this.name = 'ModelFileError';
  }
}

async function sha256Of(file: string): Promise<string | undefined> {
  try {
    return createHash('sha256').update(await readFile(file)).digest('hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Verifies one file in the cache; returns a reason when it is missing or
 * corrupt. Used at server start so a bad cache stops it with a clear message.
 */
export async function checkModelFile(modelDir: string, entry: ManifestFile): Promise<string | undefined> {
  const digest = await sha256Of(path.join(modelDir, entry.path));
  if (digest === undefined) return 'missing';
  if (digest !== entry.sha256) return `sha256 ${digest} does not match the manifest's ${entry.sha256}`;
  return undefined;
}

/** A local source: a file of an installed npm package (`npm:`) or of a system package (`file://`). */
async function localSource(entry: ManifestFile): Promise<Buffer | undefined> {
  let file: string;
  if (entry.url.startsWith('npm:')) {
    const spec = entry.url.slice('npm:'.length);
    const scoped = spec.startsWith('@');
    const parts = spec.split('/');
    const pkg = parts.slice(0, scoped ? 2 : 1).join('/');
    // Not require.resolve: a package's "exports" may hide its data files.
    const dir = (require.resolve.paths(pkg) ?? []).map((p) => path.join(p, pkg)).find((d) => existsSync(path.join(d, 'package.json')));
    if (!dir) throw new ModelFileError(entry.path, `npm package ${pkg} is not installed; run \`npm ci\` (scripts/setup.sh does)`);
    file = path.join(dir, ...parts.slice(scoped ? 2 : 1));
  } else if (entry.url.startsWith('file://')) {
    file = fileURLToPath(entry.url);
  } else {
    return undefined;
  }
  try {
    return await readFile(file);
  } catch (err) {
    throw new ModelFileError(entry.path, `${file} is not readable (${(err as Error).message}); scripts/setup.sh installs it`);
  }
}

function applyPatch(entry: ManifestFile, source: Buffer): Buffer {
  if (!entry.patch) return source;
  const digest = createHash('sha256').update(source).digest('hex');
  if (digest !== entry.source_sha256) {
    throw new ModelFileError(entry.path, `source ${entry.url} has sha256 ${digest}, not the manifest's source_sha256 ${entry.source_sha256}: a different version`);
  }
  if (!ONNX_PATCHES.includes(entry.patch)) throw new ModelFileError(entry.path, `unknown patch "${entry.patch}"`);
  return Buffer.from(patchOnnx(source, entry.patch));
}

async function fetchBytes(entry: ManifestFile, mirror: string | undefined): Promise<[Buffer, ModelSource]> {
  const local = await localSource(entry);
  if (local) return [local, 'package'];
  if (mirror) {
    try {
      return [await readFile(path.join(mirror, entry.path)), 'mirror'];
    } catch (err) {
      throw new ModelFileError(entry.path, `not readable in FRAMEWIRE_MODEL_MIRROR=${mirror} (${(err as Error).message}); fix the mirror or unset it to download from ${entry.url}`);
    }
  }
  let response: Response;
  try {
    response = await fetch(entry.url);
  } catch (err) {
    throw new ModelFileError(entry.path, `download from ${entry.url} failed (${(err as Error).message}); set FRAMEWIRE_MODEL_MIRROR to a folder holding the models`);
  }
  if (!response.ok) throw new ModelFileError(entry.path, `download from ${entry.url} answered HTTP ${response.status}`);
  return [Buffer.from(await response.arrayBuffer()), 'download'];
}

/**
 * Makes every manifest file present and verified in modelDir: keeps a cached
 * file whose sha256 matches, else copies it from the mirror (when set) or
 * downloads it. Writes through a temp file so a crash never leaves a
 * half-written model that looks cached.
 */
export async function ensureModels(
  files: readonly ManifestFile[],
  modelDir: string,
  mirror: string | undefined,
  report: (file: string, source: ModelSource) => void = () => {},
): Promise<void> {
  for (const entry of files) {
    const target = path.join(modelDir, entry.path);
    if ((await checkModelFile(modelDir, entry)) === undefined) {
      report(entry.path, 'cached');
      continue;
    }
    const [fetched, source] = await fetchBytes(entry, mirror);
    const bytes = applyPatch(entry, fetched);
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== entry.sha256) {
      const patched = entry.patch ? ` after patch ${entry.patch}` : '';
      throw new ModelFileError(entry.path, `sha256 ${digest} from the ${source}${patched} does not match the manifest's ${entry.sha256}; the ${source} copy is corrupt or a different version`);
    }
    await mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.partial`;
    await writeFile(temp, bytes);
    await rename(temp, target);
    report(entry.path, source);
  }
}
