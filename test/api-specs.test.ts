/**
 * docs/openapi.yaml and docs/asyncapi.yaml: valid by their official parsers, served as JSON, in step with
 * src/errors.ts, and describing what the server really answers (REST bodies here; every stream message of every
 * stream test through test/helpers/stream-client.ts, and the kinds below here).
 */
import { readFileSync } from 'node:fs';

import { Parser } from '@asyncapi/parser';
import { validate as validateOpenApi } from '@readme/openapi-parser';
import test from 'ava';
import { parse } from 'yaml';

import { bundleAsyncApi, SPEC_FILES } from '../src/api/api-specs';
import { ERROR_CODES } from '../src/errors';
import { connect, type FrameAnswerMessage } from '../src/client';
import { vtestFrames } from './helpers/frames';
import { readMedia } from './helpers/media';
import { checkRestSchema, checkServerMessage } from './helpers/protocol-schemas';
import { runningServer } from './helpers/service';
import { isDropped, StreamClient } from './helpers/stream-client';

let server: Awaited<ReturnType<typeof runningServer>>;
test.before(async () => {
  server = await runningServer({ FRAMEWIRE_WORKER_SLOTS: '1', STREAM_SLOWDOWN_WINDOW: '4', STREAM_SLOWDOWN_INTERVAL_MS: '1' });
});
test.after.always(async () => server?.close());

async function asyncApiDiagnostics(text: string, source?: string): Promise<string[]> {
  const { diagnostics } = await new Parser().parse(text, source ? { source } : undefined);
  // severity 0 is an error (1 a warning, 2 information, 3 a hint).
  return diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join('.')}: ${d.message}`);
}

test('docs/openapi.yaml is a valid OpenAPI 3.1 document (@readme/openapi-parser)', async (t) => {
  const result = await validateOpenApi(SPEC_FILES.openapi);
  t.true(result.valid, JSON.stringify(result));
  const doc = parse(readFileSync(SPEC_FILES.openapi, 'utf8')) as { openapi: string };
  t.is(doc.openapi, '3.1.0');
});

test('docs/asyncapi.yaml is a valid AsyncAPI 3 document (@asyncapi/parser), as the file and as served', async (t) => {
  t.deepEqual(await asyncApiDiagnostics(readFileSync(SPEC_FILES.asyncapi, 'utf8'), SPEC_FILES.asyncapi), []);
  const served = await (await fetch(`${server.url}/v1/asyncapi.json`)).text();
  t.deepEqual(await asyncApiDiagnostics(served), []);
  t.false(served.includes('openapi.yaml#'), 'the served document refers to no other file');
  t.is((JSON.parse(served) as { asyncapi: string }).asyncapi, '3.0.0');
});

test('a broken AsyncAPI document is reported by the parser (the check can fail)', async (t) => {
  const broken = readFileSync(SPEC_FILES.asyncapi, 'utf8').replace("address: /ws/video/stream", 'address: 42\n    nonsense: [');
  t.not((await asyncApiDiagnostics(broken)).length, 0);
});

test('/v1/openapi.json serves docs/openapi.yaml', async (t) => {
  const res = await fetch(`${server.url}/v1/openapi.json`);
  t.is(res.status, 200);
  t.deepEqual(await res.json(), parse(readFileSync(SPEC_FILES.openapi, 'utf8')));
});

test('the ErrorCode schema lists exactly the codes of src/errors.ts', (t) => {
  const doc = parse(readFileSync(SPEC_FILES.openapi, 'utf8')) as { components: { schemas: { ErrorCode: { enum: string[] } } } };
  t.deepEqual([...doc.components.schemas.ErrorCode.enum].sort(), Object.keys(ERROR_CODES).sort());
});

test('bundleAsyncApi copies the shared schemas and their references', (t) => {
  const bundled = bundleAsyncApi(
    { components: { messages: { M: { payload: { $ref: 'openapi.yaml#/components/schemas/A' } } } } },
    { components: { schemas: { A: { properties: { b: { $ref: '#/components/schemas/B' } } }, B: { type: 'string' }, C: {} } } },
  ) as { components: { messages: { M: { payload: { $ref: string } } }; schemas: Record<string, unknown> } };
  t.is(bundled.components.messages.M.payload.$ref, '#/components/schemas/A');
  t.deepEqual(Object.keys(bundled.components.schemas).sort(), ['A', 'B']);
});

test('REST answers match docs/openapi.yaml: pipelines, results of every pipeline, errors', async (t) => {
  t.is(checkRestSchema('PipelineList', await (await fetch(`${server.url}/v1/pipelines`)).json()), undefined);
  for (const pipeline of ['detect', 'detect_fast', 'detect_accurate', 'faces', 'people_faces', 'text', 'objects_text']) {
    const res = await fetch(`${server.url}/v1/pipelines/${pipeline}/infer`, { method: 'POST', body: readMedia('messi5.jpg'), headers: { 'Content-Type': 'image/jpeg' } });
    t.is(checkRestSchema('FrameResult', await res.json()), undefined, pipeline);
  }
  for (const [path, body] of [['/v1/pipelines/nope/infer', 'x'], ['/v1/pipelines/detect/infer', 'not a jpeg'], ['/v1/pipelines/detect/infer?min_score=2', 'x']]) {
    const res = await fetch(server.url + path, { method: 'POST', body, headers: { 'Content-Type': 'image/jpeg' } });
    t.true(res.status >= 400);
    t.is(checkRestSchema('Error', await res.json()), undefined, path);
  }
  t.not(checkRestSchema('FrameResult', { pipeline_id: 'detect', image: { width: 1, height: 1 } }), undefined, 'the check can fail');
});

test('stream messages of every kind the server sends match docs/asyncapi.yaml', async (t) => {
  const frames = vtestFrames(24);
  // Results and session_started, through the SDK, as sent.
  const client = await connect({ url: server.url, pipeline: 'people_faces' });
  const answers: FrameAnswerMessage[] = [];
  for (const frame of frames.slice(0, 3)) answers.push(await client.send(frame));
  await client.close();
  for (const a of answers) t.is(checkServerMessage(a), undefined);
  // A burst: dropped answers and a slow_down warning (STREAM_SLOWDOWN_WINDOW 4); then a fatal invalid_frame.
  const raw = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect`);
  for (const frame of frames) raw.send(frame);
  await raw.waitFor((m) => m.warning === 'slow_down');
  await raw.waitFor(isDropped);
  raw.send(Buffer.from('garbage'));
  await raw.closed;
  const kinds = new Set(raw.messages.map((m) => (m.event ?? m.warning ?? ('result' in m ? 'result' : 'dropped' in m ? 'dropped' : 'error')) as string));
  t.deepEqual([...kinds].sort(), ['dropped', 'error', 'result', 'session_started', 'slow_down']);
  t.deepEqual(raw.protocolViolations, []);
  // A refusal at open (invalid_parameter) and a text message (invalid_message).
  const refused = await StreamClient.connect(`${server.wsUrl}?pipeline_id=detect&classes=cone`);
  await refused.closed;
  const text = await StreamClient.session(`${server.wsUrl}?pipeline_id=detect`);
  text.ws.send('hello');
  await text.closed;
  t.deepEqual([...refused.protocolViolations, ...text.protocolViolations], []);
  t.like(refused.messages[0], { error: 'invalid_parameter' });
  t.not(checkServerMessage({ frame_index: 1, dropped: true, cause: 'lost' }), undefined, 'the check can fail');
});
