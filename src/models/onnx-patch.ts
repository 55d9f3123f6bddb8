/**
 * Rewrites ONNX graphs that OpenCV 4.6's importer cannot read as shipped, at
 * setup time (`npm run models`), with protobufjs and the ONNX schema
 * (third_party/onnx/onnx.proto). The patched bytes are checked against the
 * manifest's sha256 like any downloaded model.
 */
import path from 'node:path';

import protobuf from 'protobufjs';

import { PROJECT_ROOT } from '../config';

export const ONNX_PROTO = path.join(PROJECT_ROOT, 'third_party', 'onnx', 'onnx.proto');

/** The patches a manifest entry may name. */
export type OnnxPatch = 'clip-attributes';
export const ONNX_PATCHES: readonly OnnxPatch[] = ['clip-attributes'];

interface Tensor {
  dataType: number;
  floatData: number[];
  rawData: Uint8Array;
}
interface Attribute {
  name: string;
  type?: number;
  f?: number;
  t?: Tensor;
}
interface Node {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: Attribute[];
}
interface Model {
  graph: { node: Node[] };
}

let schema: protobuf.Root | undefined;
function onnxType(name: 'ModelProto' | 'AttributeProto'): protobuf.Type {
  schema ??= protobuf.loadSync(ONNX_PROTO);
  return schema.lookupType(`onnx.${name}`);
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_FLOAT = 1; // AttributeProto.AttributeType.FLOAT

/** Decodes and re-encodes without changes: the same bytes when the schema covers every field. */
export function roundTripOnnx(bytes: Uint8Array): Uint8Array {
  const type = onnxType('ModelProto');
  return type.encode(type.decode(bytes)).finish();
}

function scalarConstant(producers: ReadonlyMap<string, Node>, name: string, where: string): number {
  const node = producers.get(name);
  if (node?.opType !== 'Constant') throw new Error(`${where}: input ${name} is not a Constant node`);
  const tensor = node.attribute.find((a) => a.name === 'value')?.t;
  if (!tensor || tensor.dataType !== FLOAT) throw new Error(`${where}: Constant ${name} is not a float tensor`);
  if (tensor.floatData.length > 0) return tensor.floatData[0];
  if (tensor.rawData.length < 4) throw new Error(`${where}: Constant ${name} holds no value`);
  return Buffer.from(tensor.rawData).readFloatLE(0);
}

/**
 * Opset-11 Clip takes min and max as inputs; OpenCV 4.6's importer takes only
 * the opset-6 form (one input, min/max attributes) and fails with
 * `node_proto.input_size() == 1`. Moves each Clip's constant bounds into
 * attributes and drops the Constant nodes nothing else reads.
 */
function clipBoundsToAttributes(model: Model): number {
  const graph = model.graph;
  const producers = new Map<string, Node>();
  for (const node of graph.node) for (const output of node.output) producers.set(output, node);
  const freed = new Set<string>();
  let patched = 0;
  for (const node of graph.node) {
    if (node.opType !== 'Clip' || node.input.length === 1) continue;
    const where = `Clip node ${node.name}`;
    const [x, min, max] = node.input;
    if (!min || !max) throw new Error(`${where}: expected both min and max inputs`);
    const attribute = onnxType('AttributeProto');
    node.attribute.push(
      attribute.create({ name: 'min', type: ATTRIBUTE_FLOAT, f: scalarConstant(producers, min, where) }) as unknown as Attribute,
      attribute.create({ name: 'max', type: ATTRIBUTE_FLOAT, f: scalarConstant(producers, max, where) }) as unknown as Attribute,
    );
    node.input = [x];
    freed.add(min).add(max);
    patched += 1;
  }
  const stillRead = new Set(graph.node.flatMap((n) => n.input));
  graph.node = graph.node.filter((n) => !(n.opType === 'Constant' && n.output.every((o) => freed.has(o) && !stillRead.has(o))));
  return patched;
}

/** Applies `patch` to an ONNX model; throws when it finds nothing to patch (the wrong source file). */
export function patchOnnx(bytes: Uint8Array, patch: OnnxPatch): Uint8Array {
  const type = onnxType('ModelProto');
  const model = type.decode(bytes);
  const count = clipBoundsToAttributes(model as unknown as Model);
  if (count === 0) throw new Error(`ONNX patch ${patch}: the model has no Clip node with min/max inputs`);
  return type.encode(model).finish();
}
