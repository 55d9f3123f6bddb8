/**
 * Rewrites ONNX graphs that OpenCV 4.6's importer cannot read as shipped, at
 * setup time (`npm run models`), with onnx-proto (the ONNX schema compiled to
 * protobufjs static classes). The patched bytes are checked against the
 * manifest's sha256 like any downloaded model.
 *
 * onnx-proto 8.0.1 is ONNX 1.10.2's schema (IR version 8) in its proto3 form.
 * Two consequences: fields added by later ONNX versions are unknown to it
 * (decodeOnnx refuses them rather than let re-encoding drop them), and proto3
 * packs repeated numbers, so re-encoding writes `dims` and attribute `ints` /
 * `floats` packed where the exporter wrote them one by one. Protobuf parsers
 * read both forms (OpenCV's does), so the graph is the same; the bytes are not.
 */
import { createRequire } from 'node:module';

import { onnx } from 'onnx-proto';

/** The patches a manifest entry may name. */
export type OnnxPatch = 'clip-attributes';
export const ONNX_PATCHES: readonly OnnxPatch[] = ['clip-attributes'];

type OnnxReader = Exclude<Parameters<typeof onnx.ModelProto.decode>[0], Uint8Array>;
// onnx-proto's classes accept only readers of the protobufjs copy they load (an
// instanceof check), so take the Reader from that copy, resolved from onnx-proto.
const { Reader } = createRequire(require.resolve('onnx-proto'))('protobufjs/minimal') as {
  Reader: { create(bytes: Uint8Array): OnnxReader };
};

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/**
 * Decodes an ONNX model, refusing any field the schema does not name: the
 * static classes would skip it silently and re-encoding would lose it.
 */
export function decodeOnnx(bytes: Uint8Array): onnx.ModelProto {
  const reader = Reader.create(bytes);
  const skip = reader.skipType.bind(reader);
  const unknownAt: number[] = [];
  reader.skipType = (wireType: number) => {
    unknownAt.push(reader.pos);
    return skip(wireType);
  };
  const model = onnx.ModelProto.decode(reader);
  if (unknownAt.length > 0) {
    throw new Error(`ONNX model has ${unknownAt.length} field(s) that onnx-proto's schema (ONNX 1.10) does not name, the first at byte ${unknownAt[0]}; re-encoding would drop them`);
  }
  return model;
}

/** Decodes (strictly) and re-encodes without changes: the same graph, with repeated numbers packed. */
export function roundTripOnnx(bytes: Uint8Array): Uint8Array {
  return onnx.ModelProto.encode(decodeOnnx(bytes)).finish();
}

// decode() builds class instances all the way down (absent fields read as
// their defaults: [] or 0); the typings name nested messages by their I*
// interfaces, which leave every field optional. These narrow them once.
function graphOf(model: onnx.ModelProto): onnx.GraphProto {
  if (!(model.graph instanceof onnx.GraphProto)) throw new Error('the ONNX model has no graph');
  return model.graph;
}
const nodesOf = (graph: onnx.GraphProto): onnx.NodeProto[] => graph.node as onnx.NodeProto[];
const attributesOf = (node: onnx.NodeProto): onnx.AttributeProto[] => node.attribute as onnx.AttributeProto[];
const constantValue = (node: onnx.NodeProto): onnx.TensorProto | undefined =>
  node.opType === 'Constant' ? ((attributesOf(node).find((a) => a.name === 'value')?.t ?? undefined) as onnx.TensorProto | undefined) : undefined;

function scalarConstant(producers: ReadonlyMap<string, onnx.NodeProto>, name: string, where: string): number {
  const node = producers.get(name);
  if (node?.opType !== 'Constant') throw new Error(`${where}: input ${name} is not a Constant node`);
  const tensor = constantValue(node);
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
function clipBoundsToAttributes(model: onnx.ModelProto): number {
  const graph = graphOf(model);
  const producers = new Map<string, onnx.NodeProto>();
  for (const node of nodesOf(graph)) for (const output of node.output) producers.set(output, node);
  const freed = new Set<string>();
  let patched = 0;
  for (const node of nodesOf(graph)) {
    if (node.opType !== 'Clip' || node.input.length === 1) continue;
    const where = `Clip node ${node.name}`;
    const [x, min, max] = node.input;
    if (!min || !max) throw new Error(`${where}: expected both min and max inputs`);
    const type = onnx.AttributeProto.AttributeType.FLOAT;
    node.attribute.push(
      onnx.AttributeProto.create({ name: 'min', type, f: scalarConstant(producers, min, where) }),
      onnx.AttributeProto.create({ name: 'max', type, f: scalarConstant(producers, max, where) }),
    );
    node.input = [x];
    freed.add(min).add(max);
    patched += 1;
  }
  const stillRead = new Set(nodesOf(graph).flatMap((n) => n.input));
  graph.node = nodesOf(graph).filter((n) => !(n.opType === 'Constant' && n.output.every((o) => freed.has(o) && !stillRead.has(o))));
  return patched;
}

/** Applies `patch` to an ONNX model; throws when it finds nothing to patch (the wrong source file). */
export function patchOnnx(bytes: Uint8Array, patch: OnnxPatch): Uint8Array {
  const model = decodeOnnx(bytes);
  const count = clipBoundsToAttributes(model);
  if (count === 0) throw new Error(`ONNX patch ${patch}: the model has no Clip node with min/max inputs`);
  return onnx.ModelProto.encode(model).finish();
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
  const model = decodeOnnx(bytes);
  const graph = graphOf(model);
  const dims = graph.input[0]?.type?.tensorType?.shape?.dim;
  if (!dims || dims.length !== 4 || Number(dims[2].dimValue) !== 48) throw new Error('not a PP-OCR recognizer: input is not [N,3,48,W]');
  dims[0] = { dimValue: 1 };
  dims[3] = { dimValue: width };
  const steps = width / 8;
  const constants = new Map<string, onnx.TensorProto>();
  for (const node of nodesOf(graph)) {
    const t = constantValue(node);
    if (t) constants.set(node.output[0], t);
  }
  const tiled = new Set<string>();
  for (const node of nodesOf(graph)) {
    if (node.opType !== 'Mul' && node.opType !== 'Add') continue;
    node.input = node.input.map((name) => {
      const t = constants.get(name);
      const channels = Number(t?.dims[0] ?? 0);
      if (!t || t.dims.length !== 1 || channels <= 1 || t.dataType !== FLOAT) return name;
      const tiledName = `${name}.tiled_${steps}`;
      if (!tiled.has(tiledName)) {
        const raw = Buffer.from(t.rawData.length ? t.rawData : new Uint8Array(new Float32Array(t.floatData).buffer));
        graph.initializer.push(onnx.TensorProto.create({ name: tiledName, dataType: FLOAT, dims: [1, steps, channels], rawData: Buffer.concat(Array(steps).fill(raw)) }));
        tiled.add(tiledName);
      }
      return tiledName;
    });
  }
  if (tiled.size === 0) throw new Error('not a PP-OCR recognizer: no 1-D constants on Mul/Add');
  return onnx.ModelProto.encode(model).finish();
}
