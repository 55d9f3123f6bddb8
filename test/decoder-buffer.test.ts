/**
 * Issue 9, defect 7: the decoder's reused output buffer no longer pins the largest frame a slot ever saw
 * (test/native/decoder_buffer.cc, compiled here against native/core/jpeg_decoder.cc and Debian's libjpeg-turbo).
 * Before, one frame declaring 6000x6000 kept a 108 MB buffer in its slot for the life of the process.
 */
import { execFileSync } from 'node:child_process';

import test from 'ava';

import { compileNativeProgram } from './helpers/native-program';

test('a large or declared-large frame gets its own buffer, given back at the next small frame; small ones reuse', (t) => {
  const binary = compileNativeProgram('decoder_buffer', ['test/native/decoder_buffer.cc', 'native/core/jpeg_decoder.cc'], ['-ljpeg']);
  const bytes = JSON.parse(execFileSync(binary, { encoding: 'utf8' })) as Record<string, number>;
  const small = 100 * 100 * 3;
  t.is(bytes.small, small);
  t.is(bytes.bomb, 6000 * 6000 * 3, 'allocated for the declared size before the data ran out');
  t.is(bytes.small_after_bomb, small, 'given back');
  t.is(bytes.large, 3000 * 3000 * 3);
  t.is(bytes.small_after_large, small, 'given back');
  t.is(bytes.medium, 1000 * 1000 * 3);
  t.is(bytes.small_after_medium, 1000 * 1000 * 3, 'under 8 MiB: kept for reuse');
});
