/**
 * The pipeline registry: parses and validates config/pipelines.json. Pure:
 * no addon, no file reads beyond what the caller hands in, so it is unit-
 * tested alone and a bad registry fails at start with the path to the fault.
 */
import type { ModelFormat, NodeKind } from '../../native/binding';

export interface ModelEntry {
  readonly id: string;
  readonly format: ModelFormat;
  /** Paths relative to the model dir. */
  readonly config: string | undefined;
  readonly weights: string;
  readonly labels: string | undefined;
  readonly input: { readonly width: number; readonly height: number };
}

export interface NodeEntry {
  readonly id: string;
  readonly kind: NodeKind;
  readonly model: string;
  readonly scoreThreshold: number;
  readonly nmsThreshold: number;
  /** Label names to keep; empty keeps all. */
  readonly classes: readonly string[];
  /** Text nodes: the recognizer model (a tesseract model), the cap on lines read per frame, and the earlier detector node whose boxes bound the search (absent: the whole frame). */
  readonly text?: { readonly recognizer: string; readonly maxLines: number; readonly within: string | undefined };
}

export interface PipelineEntry {
  readonly id: string;
  readonly description: string;
  readonly nodes: readonly NodeEntry[];
}

export interface PipelineRegistry {
  readonly defaultPipeline: string;
  readonly models: ReadonlyMap<string, ModelEntry>;
  readonly pipelines: readonly PipelineEntry[];
}

export class RegistryError extends Error {
  constructor(where: string, problem: string) {
    super(`pipeline registry ${where}: ${problem}`);
    this.name = 'RegistryError';
  }
}

const FORMATS: readonly ModelFormat[] = ['darknet_yolo', 'yolox', 'yunet', 'db_text', 'tesseract'];
/** The node kind each model format serves as a node's `model` (a tesseract model only serves as a text node's `recognizer`). */
const KIND_OF_FORMAT: Record<ModelFormat, NodeKind | undefined> = { darknet_yolo: 'detector', yolox: 'detector', yunet: 'faces', db_text: 'text', tesseract: undefined };
export const MAX_TEXT_LINES = 1000;
const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RegistryError(where, 'must be an object');
  return value as Json;
}

function string(obj: Json, key: string, where: string, optional = false): string | undefined {
  const value = obj[key];
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || value === '') throw new RegistryError(`${where}.${key}`, 'must be a non-empty string');
  return value;
}

function fraction(obj: Json, key: string, where: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !(value > 0 && value < 1)) throw new RegistryError(`${where}.${key}`, 'must be a number between 0 and 1 (exclusive)');
  return value;
}

function id(obj: Json, where: string): string {
  const value = string(obj, 'id', where) as string;
  if (!ID_PATTERN.test(value)) throw new RegistryError(`${where}.id`, `"${value}" must match ${ID_PATTERN}`);
  return value;
}

function parseModel(name: string, raw: unknown): ModelEntry {
  const where = `models.${name}`;
  const obj = object(raw, where);
  const format = obj.format as ModelFormat;
  if (!FORMATS.includes(format)) throw new RegistryError(`${where}.format`, `must be one of ${FORMATS.join(', ')}`);
  const input = object(obj.input, `${where}.input`);
  const size = (key: string): number => {
    const v = input[key];
    if (!Number.isInteger(v) || (v as number) < 16 || (v as number) > 4096) throw new RegistryError(`${where}.input.${key}`, 'must be a whole number from 16 to 4096');
    return v as number;
  };
  const entry: ModelEntry = {
    id: name,
    format,
    config: string(obj, 'config', where, format !== 'darknet_yolo'),
    weights: string(obj, 'weights', where) as string,
    labels: string(obj, 'labels', where, format !== 'darknet_yolo' && format !== 'yolox'),
    input: { width: size('width'), height: size('height') },
  };
  return entry;
}

function parseTextNode(obj: Json, where: string, models: ReadonlyMap<string, ModelEntry>, earlier: readonly NodeEntry[]): NodeEntry['text'] {
  const recognizer = string(obj, 'recognizer', where) as string;
  if (models.get(recognizer)?.format !== 'tesseract') throw new RegistryError(`${where}.recognizer`, `"${recognizer}" must name a tesseract model in models`);
  const maxLines = obj.max_lines;
  if (!Number.isInteger(maxLines) || (maxLines as number) < 1 || (maxLines as number) > MAX_TEXT_LINES) {
    throw new RegistryError(`${where}.max_lines`, `must be a whole number from 1 to ${MAX_TEXT_LINES}`);
  }
  const within = string(obj, 'within', where, true);
  if (within !== undefined && !earlier.some((n) => n.id === within && n.kind === 'detector')) {
    throw new RegistryError(`${where}.within`, `"${within}" must name an earlier detector node of this pipeline`);
  }
  return { recognizer, maxLines: maxLines as number, within };
}

function parseNode(raw: unknown, where: string, models: ReadonlyMap<string, ModelEntry>, earlier: readonly NodeEntry[]): NodeEntry {
  const obj = object(raw, where);
  const kind = obj.kind as NodeKind;
  if (kind !== 'detector' && kind !== 'faces' && kind !== 'text') throw new RegistryError(`${where}.kind`, 'must be "detector", "faces" or "text"');
  const modelId = string(obj, 'model', where) as string;
  const model = models.get(modelId);
  if (!model) throw new RegistryError(`${where}.model`, `no model "${modelId}" in models`);
  if (KIND_OF_FORMAT[model.format] !== kind) throw new RegistryError(`${where}.model`, `a ${model.format} model cannot serve a ${kind} node`);
  const classes = obj.classes ?? [];
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) throw new RegistryError(`${where}.classes`, 'must be an array of label names');
  if (kind !== 'detector' && classes.length > 0) throw new RegistryError(`${where}.classes`, `a ${kind} node has no classes`);
  return {
    id: id(obj, where),
    kind,
    model: modelId,
    scoreThreshold: fraction(obj, 'score_threshold', where),
    // A text node has no NMS step (text regions come from one probability map).
    nmsThreshold: kind === 'text' ? 0 : fraction(obj, 'nms_threshold', where),
    classes: classes as string[],
    ...(kind === 'text' ? { text: parseTextNode(obj, where, models, earlier) } : {}),
  };
}

export function parseRegistry(raw: unknown): PipelineRegistry {
  const root = object(raw, '(root)');
  const models = new Map<string, ModelEntry>();
  for (const [name, entry] of Object.entries(object(root.models, 'models'))) models.set(name, parseModel(name, entry));

  if (!Array.isArray(root.pipelines) || root.pipelines.length === 0) throw new RegistryError('pipelines', 'must be a non-empty array');
  const pipelines: PipelineEntry[] = [];
  root.pipelines.forEach((rawPipeline: unknown, i: number) => {
    const where = `pipelines[${i}]`;
    const obj = object(rawPipeline, where);
    const pipelineId = id(obj, where);
    if (pipelines.some((p) => p.id === pipelineId)) throw new RegistryError(`${where}.id`, `duplicate pipeline id "${pipelineId}"`);
    if (!Array.isArray(obj.nodes) || obj.nodes.length === 0) throw new RegistryError(`${where}.nodes`, 'must be a non-empty array');
    const nodes: NodeEntry[] = [];
    obj.nodes.forEach((n: unknown, k: number) => {
      const node = parseNode(n, `${where}.nodes[${k}]`, models, nodes);
      if (nodes.some((other) => other.id === node.id)) throw new RegistryError(`${where}.nodes[${k}].id`, `duplicate node id "${node.id}"`);
      nodes.push(node);
    });
    pipelines.push({ id: pipelineId, description: string(obj, 'description', where) as string, nodes });
  });

  const defaultPipeline = string(root, 'default_pipeline', '(root)') as string;
  if (!pipelines.some((p) => p.id === defaultPipeline)) throw new RegistryError('default_pipeline', `"${defaultPipeline}" is not a pipeline id`);
  return { defaultPipeline, models, pipelines };
}

/** Models some pipeline uses, in first-use order: only these are loaded. */
export function modelsInUse(registry: PipelineRegistry): ModelEntry[] {
  const used = new Set(registry.pipelines.flatMap((p) => p.nodes.flatMap((n) => (n.text ? [n.model, n.text.recognizer] : [n.model]))));
  return [...used].map((m) => registry.models.get(m) as ModelEntry);
}
