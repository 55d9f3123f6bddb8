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
interface Dim {
  dimValue?: number;
  dimParam?: string;
}
interface ValueInfo {
  type: { tensorType: { shape: { dim: Dim[] } } };
}
interface Model {
  graph: { node: Node[]; input: ValueInfo[]; initializer: (Tensor & { name: string; dims: number[] })[] };
}

let schema: protobuf.Root | undefined;
function onnxType(name: 'ModelProto' | 'AttributeProto' | 'TensorProto'): protobuf.Type {
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

/**
 * PP-OCRv4 recognition for OpenCV 4.6, at one fixed input width (benchmark
 * candidate only; bench/text). As shipped its input is [N,3,48,W] with N and
 * W dynamic, and the importer fails in its Shape nodes (`!isDynamicShape`).
 * Pinning the input to [1,3,48,width] lets it import, but forward() then
 * fails in shape inference on the SVTR neck: its LayerNorm weights and Linear
 * biases are 1-D [C] Constants applied to [1,T,C] tensors, which the importer
 * turns into Scale layers that assert. Each such operand is replaced by an
 * initializer tiled to [1,T,C], T = width / 8 (the neck's sequence length).
 */
export function pinRecognizerWidth(bytes: Uint8Array, width: number): Uint8Array {
  if (!Number.isInteger(width) || width < 8 || width % 8 !== 0) throw new Error(`recognizer width ${width} must be a positive multiple of 8`);
  const type = onnxType('ModelProto');
  const message = type.decode(bytes);
  const model = message as unknown as Model;
  const graph = model.graph;
  const dims = graph.input[0].type.tensorType.shape.dim;
  if (dims.length !== 4 || Number(dims[2].dimValue) !== 48) throw new Error('not a PP-OCR recognizer: input is not [N,3,48,W]');
  dims[0] = { dimValue: 1 };
  dims[3] = { dimValue: width };
  const steps = width / 8;
  const constants = new Map<string, Tensor & { dims?: number[] }>();
  for (const node of graph.node) {
    const t = node.opType === 'Constant' ? node.attribute.find((a) => a.name === 'value')?.t : undefined;
    if (t) constants.set(node.output[0], t);
  }
  const tensorType = onnxType('TensorProto');
  const tiled = new Set<string>();
  for (const node of graph.node) {
    if (node.opType !== 'Mul' && node.opType !== 'Add') continue;
    node.input = node.input.map((name) => {
      const t = constants.get(name);
      const channels = Number(t?.dims?.[0] ?? 0);
      if (!t || t.dims?.length !== 1 || channels <= 1 || t.dataType !== FLOAT) return name;
      const tiledName = `${name}.tiled_${steps}`;
      if (!tiled.has(tiledName)) {
        const raw = Buffer.from(t.rawData.length ? t.rawData : new Uint8Array(new Float32Array(t.floatData).buffer));
        graph.initializer.push(tensorType.create({ name: tiledName, dataType: FLOAT, dims: [1, steps, channels], rawData: Buffer.concat(Array(steps).fill(raw)) }) as never);
        tiled.add(tiledName);
      }
      return tiledName;
    });
  }
  if (tiled.size === 0) throw new Error('not a PP-OCR recognizer: no 1-D constants on Mul/Add');
  return type.encode(message).finish();
}
