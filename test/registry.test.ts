/** The pipeline registry: the shipped file parses; every malformed one fails with the path to the fault. */
import { readFileSync } from 'node:fs';

import test from 'ava';

import { loadConfig } from '../src/config';
import { buildEngineSpec, filesInUse } from '../src/services/pipeline/engine-spec';
import { modelsInUse, parseRegistry, RegistryError } from '../src/services/pipeline/registry';

const shipped = (): Record<string, unknown> => JSON.parse(readFileSync(loadConfig({}).pipelinesFile, 'utf8'));

test('the shipped registry has the seven pipelines, detect by default', (t) => {
  const registry = parseRegistry(shipped());
  t.is(registry.defaultPipeline, 'detect');
  t.deepEqual(registry.pipelines.map((p) => p.id), ['detect', 'detect_fast', 'detect_accurate', 'faces', 'people_faces', 'text', 'objects_text']);
  t.deepEqual(modelsInUse(registry).map((m) => m.id), ['yolo-fastest-1.1-xl', 'yolo-fastest-1.1', 'yolox-nano', 'yunet', 'ppocr-v4-det', 'tesseract-eng']);
  t.true(filesInUse(registry).includes('yunet/yunet_120x160.onnx'));
  t.true(filesInUse(registry).includes('tesseract/eng.traineddata'), 'a text node\'s recognizer is a model in use');
});

test('a text node becomes recognizer, line cap and the index of the node it reads within', (t) => {
  const registry = parseRegistry(shipped());
  const spec = buildEngineSpec(registry, loadConfig({}, 1), () => ['person', 'bicycle', 'car', 'laptop', 'cell phone', 'book', 'tvmonitor']);
  const [objects, texts] = spec.pipelines.find((p) => p.id === 'objects_text')!.nodes;
  t.deepEqual(objects.classFilter, [5, 4, 6, 3]);
  t.is(spec.models[texts.model].format, 'db_text');
  t.is(spec.models[texts.recognizer].format, 'tesseract');
  t.is(texts.maxLines, 50);
  t.is(texts.within, 0);
  t.is(spec.pipelines.find((p) => p.id === 'text')!.nodes[0].within, -1);
});

test('class names become class ids from the label file', (t) => {
  const registry = parseRegistry(shipped());
  const spec = buildEngineSpec(registry, loadConfig({}, 2), () => ['person', 'bicycle', 'car', 'laptop', 'cell phone', 'book', 'tvmonitor']);
  const peopleFaces = spec.pipelines.find((p) => p.id === 'people_faces')!;
  t.deepEqual(peopleFaces.nodes[0].classFilter, [0]);
  t.is(peopleFaces.nodes[1].model, 3);
  t.is(spec.slots, 2);
  t.throws(() => buildEngineSpec(registry, loadConfig({}, 2), () => ['cat']), { instanceOf: RegistryError, message: /has no class "person"/ });
});

type Mutation = (r: any) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
const broken: [string, Mutation, RegExp][] = [
  ['an unknown default', (r) => (r.default_pipeline = 'nope'), /default_pipeline: "nope" is not a pipeline id/],
  ['a duplicate id', (r) => r.pipelines.push(r.pipelines[0]), /pipelines\[7\]\.id: duplicate pipeline id "detect"/],
  ['an unknown model', (r) => (r.pipelines[1].nodes[0].model = 'resnet'), /pipelines\[1\]\.nodes\[0\]\.model: no model "resnet"/],
  ['a face model on a detector node', (r) => (r.pipelines[0].nodes[0].model = 'yunet'), /a yunet model cannot serve a detector node/],
  ['a threshold of 1.5', (r) => (r.pipelines[0].nodes[0].score_threshold = 1.5), /score_threshold: must be a number between 0 and 1/],
  ['an unknown format', (r) => (r.models.yunet.format = 'caffe'), /models\.yunet\.format: must be one of/],
  ['a tiny input', (r) => (r.models.yunet.input.width = 8), /models\.yunet\.input\.width: must be a whole number from 16 to 4096/],
  ['a darknet model without cfg', (r) => delete r.models['yolo-fastest-1.1'].config, /models\.yolo-fastest-1\.1\.config: must be a non-empty string/],
  ['no pipelines', (r) => (r.pipelines = []), /pipelines: must be a non-empty array/],
  ['a pipeline without nodes', (r) => (r.pipelines[0].nodes = []), /pipelines\[0\]\.nodes: must be a non-empty array/],
  ['a bad id', (r) => (r.pipelines[0].id = 'Has Spaces'), /pipelines\[0\]\.id: "Has Spaces" must match/],
  ['classes on a faces node', (r) => (r.pipelines[3].nodes[0].classes = ['person']), /a faces node has no classes/],
  ['a text node without recognizer', (r) => delete r.pipelines[5].nodes[0].recognizer, /pipelines\[5\]\.nodes\[0\]\.recognizer: must be a non-empty string/],
  ['a detector as recognizer', (r) => (r.pipelines[5].nodes[0].recognizer = 'yunet'), /recognizer: "yunet" must name a tesseract model/],
  ['a text line cap of 0', (r) => (r.pipelines[5].nodes[0].max_lines = 0), /pipelines\[5\]\.nodes\[0\]\.max_lines: must be a whole number from 1 to 1000/],
  ['a fractional line cap', (r) => (r.pipelines[5].nodes[0].max_lines = 2.5), /max_lines: must be a whole number/],
  ['a text node within a later node', (r) => r.pipelines[6].nodes.reverse(), /pipelines\[6\]\.nodes\[0\]\.within: "objects" must name an earlier detector node/],
  ['a text node within an unknown node', (r) => (r.pipelines[6].nodes[1].within = 'nope'), /within: "nope" must name an earlier detector node/],
  ['a tesseract model on a text node', (r) => (r.pipelines[5].nodes[0].model = 'tesseract-eng'), /a tesseract model cannot serve a text node/],
  ['a text model on a detector node', (r) => (r.pipelines[0].nodes[0].model = 'ppocr-v4-det'), /a db_text model cannot serve a detector node/],
  ['two nodes with one id', (r) => (r.pipelines[4].nodes[1].id = 'persons'), /pipelines\[4\]\.nodes\[1\]\.id: duplicate node id "persons"/],
];

for (const [name, mutate, message] of broken) {
  test(`rejects ${name}`, (t) => {
    const raw = shipped();
    mutate(raw);
    t.throws(() => parseRegistry(raw), { instanceOf: RegistryError, message });
  });
}
