/** The benchmark's load generator reads answers from their bytes; its numbers are only as good as this parsing. */
import test from 'ava';

import { classify, engineTotalMs } from '../bench/stream/load-generator';

const result = Buffer.from('{"frame_index":1234,"result":{"pipeline_id":"detect","image":{"width":768,"height":576},"detections":[],"timings_ms":{"decode":3.1,"inference":12.4,"postprocess":0.3,"total":16.05}}}');

test('classifies every per-frame answer the server sends, with its frame_index', (t) => {
  t.deepEqual(classify(result), { index: 1234, kind: 'result' });
  for (const cause of ['superseded', 'stale', 'shutdown'] as const) {
    t.deepEqual(classify(Buffer.from(`{"frame_index":7,"dropped":true,"cause":"${cause}"}`)), { index: 7, kind: cause });
  }
  t.deepEqual(classify(Buffer.from('{"frame_index":0,"error":"pipeline_failure","detail":"x"}')), { index: 0, kind: 'error' });
});

test('ignores messages that answer no frame', (t) => {
  t.is(classify(Buffer.from('{"event":"session_started","session_id":"x","pipeline_id":"detect","max_frame_bytes":5}')), undefined);
  t.is(classify(Buffer.from('{"warning":"slow_down","detail":"x","drop_rate":0.6,"suggested_fps":8.5}')), undefined);
  t.is(classify(Buffer.from('{"error":"invalid_frame","detail":"x","frame_index":3}')), undefined, 'a fatal error is not a frame answer');
});

test('reads timings_ms.total from the tail of a result', (t) => {
  t.is(engineTotalMs(result), 16.05);
  t.is(engineTotalMs(Buffer.from('{"frame_index":1,"result":{"timings_ms":{"total":7}}}')), 7);
});
