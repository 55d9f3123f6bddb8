import { readFileSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../config';
import type { OnnxPatch } from './onnx-patch';

/** One model file: where it lives under the model dir, its checksum and origin. */
export interface ManifestFile {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /**
   * Where the bytes come from: an https URL (downloaded, or copied from
   * FRAMEWIRE_MODEL_MIRROR), `npm:PACKAGE/FILE` (a file of an installed npm
   * dependency) or `file:///PATH` (a file a system package installed).
   */
  readonly url: string;
  readonly license: string;
  readonly upstream: string;
  /** The file is the source at `url` (sha256 `source_sha256`) rewritten by this ONNX patch (src/models/onnx-patch.ts). */
  readonly patch?: OnnxPatch;
  readonly source_sha256?: string;
}

export const MANIFEST_PATH = path.join(PROJECT_ROOT, 'models', 'manifest.json');

export function readManifest(file: string = MANIFEST_PATH): ManifestFile[] {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { files?: ManifestFile[] };
  if (!Array.isArray(parsed.files)) throw new Error(`${file}: "files" must be an array`);
  return parsed.files;
}
