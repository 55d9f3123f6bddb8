/** Every stream error code with its close code; bad input never loses the frames accepted before it. */
import test from 'ava';

import { FramewireError } from '../src/errors';
import cv from './helpers/opencv';
import { vtestFrames } from './helpers/frames';
import { jpegHeaderOnly, jpegMarkersRandomBody } from './helpers/jpeg-bytes';
import { encodeJpeg } from './helpers/media';
import { runningServer } from './helpers/service';
import { isResult, StreamClient, type Message } from './helpers/stream-client';

let server: Awaited<ReturnType<typeof runningServer>>;
test.before(async () => {
  // 64 KiB frame limit: vtest frames (~110 KB) are "too large" here, messages over 128 KiB are cut by ws.
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '2', STREAM_MAX_FRAME_SIZE_MB: '0.0625' });
});
test.after.always(() => server?.close());

const smallFrame = (): Buffer => encodeJpeg(new cv.Mat(120, 160, cv.CV_8UC3, [90, 120, 150]));

async function session(pipeline = 'detect'): Promise<StreamClient> {
  const client = await StreamClient.session(`${server.wsUrl}?pipeline_id=${pipeline}`);
  return client;
}

function lastError(client: StreamClient): Message {
  const errors = client.messages.filter((m) => 'error' in m);
  return errors[errors.length - 1];
}

test('a text message is invalid_message, close 1003, after the frames before it are answered', async (t) => {
  const client = await session();
  client.send(smallFrame()); // in flight or waiting when the text arrives: still answered
  client.ws.send('hello');
  const { code } = await client.closed;
  t.is(code, 1003);
  t.deepEqual(client.answers().map((m) => m.frame_index), [0], 'frame 0 answered before the close');
  t.true(isResult(client.answers()[0]));
  t.deepEqual(lastError(client), { error: 'invalid_message', detail: lastError(client).detail });
});

// The last column: whether the validator catches it (then a frame sent after it is never read). A frame
// only the decoder rejects is accepted first, so a newer frame would legitimately supersede it: none is sent.
const invalidFrames: [string, () => Buffer, RegExp, boolean][] = [
  ['an empty message', () => Buffer.alloc(0), /empty message/, true],
  ['PNG bytes', () => cv.imencode('.png', new cv.Mat(8, 8, cv.CV_8UC3, [0, 0, 0])), /start-of-image/, true],
  ['a truncated JPEG', () => smallFrame().subarray(0, 300), /truncated/, true],
  ['a header declaring 60000x60000', () => jpegHeaderOnly(60000, 60000), /over the limit/, true],
  ['markers around a random body (the decoder rejects it)', () => jpegMarkersRandomBody(2048), /decoder rejected/, false],
];

for (const [name, bytes, detail, caughtByValidator] of invalidFrames) {
  test(`${name} is invalid_frame with its frame_index, close 1007`, async (t) => {
    const client = await session();
    await client.sendPaced([smallFrame()]); // answered first, so the bad frame cannot supersede it
    client.send(bytes());
    if (caughtByValidator) client.send(smallFrame()); // after the bad frame: never read
    const { code } = await client.closed;
    t.is(code, 1007);
    const error = lastError(client);
    t.deepEqual(Object.keys(error).sort(), ['detail', 'error', 'frame_index']);
    t.is(error.error, 'invalid_frame');
    t.is(error.frame_index, 1);
    t.regex(error.detail as string, detail);
    t.deepEqual(client.answers().filter(isResult).map((m) => m.frame_index), [0], 'the good frame before it still answered');
  });
}

// Serial: it runs before the other tests here, so frame 0 finds a free slot and starts at once (with both
// slots busy, frame 1 would rightly supersede it and the decoder-fatal frame would be the only one run).
test.serial('back to back: a good frame, a frame only the decoder refuses, a text message: one answer each, one close', async (t) => {
  const client = await session();
  // One TCP write: the server reads all three before the engine can answer the first.
  const socket = (client.ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
  socket.cork();
  client.send(smallFrame());
  client.send(jpegMarkersRandomBody(2048));
  client.ws.send('hello');
  socket.uncork();
  const { code } = await client.closed;
  t.is(code, 1003, 'the text message ends the session');
  const answers = client.answers();
  t.deepEqual(answers.map((m) => m.frame_index), [0, 1], 'each accepted frame answered exactly once');
  t.true(isResult(answers[0]), JSON.stringify(answers[0]));
  t.like(answers[1], { error: 'invalid_frame' });
  t.regex(answers[1].detail as string, /decoder rejected/);
  const last = client.messages[client.messages.length - 1];
  t.deepEqual(last, { error: 'invalid_message', detail: last.detail }, 'the end names the text message, no frame');
  t.is(client.messages.filter((m) => m.error === 'invalid_message').length, 1);
});

test('a frame over the limit is frame_too_large, close 1009', async (t) => {
  const client = await session();
  const [big] = vtestFrames(1); // ~110 KB: over 64 KiB, under twice it
  t.true(big.length > 64 * 1024 && big.length <= 128 * 1024);
  client.send(big);
  t.is((await client.closed).code, 1009);
  t.like(lastError(client), { error: 'frame_too_large', frame_index: 0 });
});

test('a message over twice the limit is cut by ws with 1009, without being buffered whole', async (t) => {
  const client = await session();
  client.send(Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(300 * 1024), Buffer.from([0xff, 0xd9])]));
  t.is((await client.closed).code, 1009);
  t.is(client.answers().length, 0);
});

test('pipeline_failure answers that frame and the session stays open', async (t) => {
  // No frame makes the shipped models fail any more (tiny frames are padded for YuNet), so the failure is
  // injected at the service boundary of a server of its own: no OpenCV is faked, the first frame just does
  // not reach the engine; the second does.
  const failing = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' });
  t.teardown(() => failing.close());
  const runFrame = failing.service.runFrame.bind(failing.service);
  let calls = 0;
  failing.service.runFrame = async (id, bytes) => (calls++ === 0 ? new FramewireError('pipeline_failure', 'node faces: the model failed') : runFrame(id, bytes));
  const client = await StreamClient.session(`${failing.wsUrl}?pipeline_id=faces`);
  client.send(smallFrame());
  const failure = await client.waitFor((m) => m.error === 'pipeline_failure');
  t.deepEqual(Object.keys(failure).sort(), ['detail', 'error', 'frame_index']);
  t.is(failure.frame_index, 0);
  client.send(smallFrame());
  const next = await client.waitFor(isResult);
  t.is(next.frame_index, 1);
  client.close();
  t.is((await client.closed).code, 1005);
});

test('an unexpected server fault is internal_error, close 1011', async (t) => {
  // A server of its own: the fault is injected at its service boundary (no OpenCV is faked,
  // the engine is simply not reached), which must not leak into the other tests here.
  const logs: Record<string, unknown>[] = [];
  const faulty = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1' }, logs);
  t.teardown(() => faulty.close());
  // runFrame answers errors as values; a rejection is a fault of ours (the scheduler turns it into internal_error).
  faulty.service.runFrame = async () => {
    throw new TypeError('injected fault');
  };
  const client = await StreamClient.session(`${faulty.wsUrl}?pipeline_id=detect`);
  client.send(smallFrame());
  t.is((await client.closed).code, 1011);
  // The client is told it was our fault, not what it was; the log has the message (issue 9, defect 4).
  t.like(lastError(client), { error: 'internal_error', detail: 'an unexpected server fault; the server log has the details', frame_index: 0 });
  t.true(logs.some((l) => l.msg === 'stream frame failed' && l.detail === 'injected fault'));
});
