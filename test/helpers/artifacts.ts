/** Where tests save what a person should look at (screenshots, annotated frames): test-artifacts/, not committed. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { PROJECT_ROOT } from '../../src/config';

export function artifactPath(name: string): string {
  const dir = path.resolve(process.env.FRAMEWIRE_TEST_ARTIFACTS ?? path.join(PROJECT_ROOT, 'test-artifacts'));
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
