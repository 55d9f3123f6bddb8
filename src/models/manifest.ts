import { readFileSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../config';

/** One model file: where it lives under the model dir, its checksum and origin. */
export interface ManifestFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly url: string;
  readonly license: string;
  readonly upstream: string;
}

export const MANIFEST_PATH = path.join(PROJECT_ROOT, 'models', 'manifest.json');

export function readManifest(file: string = MANIFEST_PATH): ManifestFile[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { files?: ManifestFile[] };
  if (!Array.isArray(parsed.files)) throw new Error(`${file}: "files" must be an array`);
  return parsed.files;
}
