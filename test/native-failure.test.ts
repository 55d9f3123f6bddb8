/**
 * What a client is told when the engine fails (issue 9, defect 4): OpenCV's source paths and function
 * signatures stay in the server log. The messages are the engine's as it writes them ("node <id>: " and
 * OpenCV's cv::Exception text, here the one YuNet threw on a 16x16 frame before tiny frames were padded).
 */
import test from 'ava';

import { fromEngineFailure } from '../src/services/pipeline/native-failure';

const OPENCV_MESSAGE =
  "node faces: OpenCV(4.6.0) ./modules/dnn/src/layers/pooling_layer.cpp:1200: error: (-215:Assertion failed) total(os[i]) > 0 in function 'getMemoryShapes'\n";

test('pipeline_failure: the client gets the node and a short reason, the log gets OpenCV\'s message', (t) => {
  const error = fromEngineFailure({ error: 'pipeline_failure', message: OPENCV_MESSAGE });
  t.is(error.code, 'pipeline_failure');
  t.is(error.detail, 'node faces: the model failed on this frame; the server log has the details');
  t.is(error.logDetail, OPENCV_MESSAGE);
  t.deepEqual(error.toJSON(), { error: 'pipeline_failure', detail: error.detail });
  t.false(JSON.stringify(error.toJSON()).includes('.cpp'));
});

test('internal_error and unknown codes: no internals to the client', (t) => {
  for (const code of ['internal_error', 'something_new']) {
    const error = fromEngineFailure({ error: code, message: 'std::bad_alloc in Engine::RunOnSlot' });
    t.is(error.code, 'internal_error');
    t.false(error.detail.includes('Engine::'));
    t.is(error.logDetail, 'std::bad_alloc in Engine::RunOnSlot');
  }
});

test('invalid_frame: the decoder\'s words about the frame go out as they are', (t) => {
  const error = fromEngineFailure({ error: 'invalid_frame', message: 'JPEG decoder rejected the frame: too many scans (more than 100)' });
  t.is(error.detail, 'JPEG decoder rejected the frame: too many scans (more than 100)');
  t.is(error.internalDetail, undefined);
});
