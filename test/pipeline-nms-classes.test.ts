/**
 * Class-wise NMS alone (test/native/nms_classes.cc, compiled here against native/core/nms.cc): boxes of
 * different classes never suppress each other, even when one hangs off the top-left edge; the same class
 * still does.
 */
import { execFileSync } from 'node:child_process';

import test from 'ava';

import { compileNativeProgram } from './helpers/native-program';

test('a box off the top-left edge does not suppress another class; the same class is still suppressed', (t) => {
  const binary = compileNativeProgram('nms_classes', ['test/native/nms_classes.cc', 'native/core/nms.cc']);
  const kept = JSON.parse(execFileSync(binary, { encoding: 'utf8' })) as number[][];
  t.deepEqual(kept, [[0, 1], [0]]);
});
