/** Compiles a small C++ test program against native/core with g++ and OpenCV (test/native/*.cc). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PROJECT_ROOT } from '../../src/config';

/**
 * Builds `sources` (paths from the project root) into a fresh temporary directory and returns the binary's path.
 * Links OpenCV (all of pkg-config's opencv4 libraries) and `extraArgs` (e.g. -ljpeg, -pthread, -O2).
 */
export function compileNativeProgram(name: string, sources: string[], extraArgs: string[] = []): string {
  const binary = path.join(mkdtempSync(path.join(os.tmpdir(), `framewire-${name}-`)), name);
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'opencv4'], { encoding: 'utf8' }).trim().split(/\s+/);
  execFileSync('g++', ['-std=c++17', '-O1', ...sources.map((s) => path.join(PROJECT_ROOT, s)), ...flags, ...extraArgs, '-o', binary]);
  return binary;
}
