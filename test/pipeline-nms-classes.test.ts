/**
 * Class-wise NMS alone (test/native/nms_classes.cc, compiled here against native/core/nms.cc): boxes of
 * different classes never suppress each other, even when one hangs off the top-left edge; the same class
 * still does.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import test from 'ava';

import { PROJECT_ROOT } from '../src/config';

test('a box off the top-left edge does not suppress another class; the same class is still suppressed', (t) => {
  const binary = path.join(mkdtempSync(path.join(os.tmpdir(), 'framewire-nms-')), 'nms_classes');
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'opencv4'], { encoding: 'utf8' }).trim().split(/\s+/);
  execFileSync('g++', ['-std=c++17', '-O1', path.join(PROJECT_ROOT, 'test/native/nms_classes.cc'), path.join(PROJECT_ROOT, 'native/core/nms.cc'), ...flags, '-o', binary]);
  const kept = JSON.parse(execFileSync(binary, { encoding: 'utf8' })) as number[][];
  t.deepEqual(kept, [[0, 1], [0]]);
});
