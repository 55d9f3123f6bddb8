import { readFileSync } from 'node:fs';

import type { Config } from '../../config';
import { FramewireError } from '../../errors';
import { checkModelFile } from '../../models/ensure-models';
import type { ManifestFile } from '../../models/manifest';
import { createEngine, type FrameOverrides, type FrameResult, type NativeEngine, type NativeEngineSpec, type NativeNodeSpec, type NativeSuccess } from '../../native/binding';
import { FACE_LABEL } from '../../protocol';
import { buildEngineSpec, filesInUse, labelsIn } from './engine-spec';
import { fromEngineFailure } from './native-failure';
import { parseRegistry, type PipelineRegistry } from './registry';
import { parseOverrides } from './request-overrides';

// The result types are public API: every layer above takes them from here, not from the binding.
export type { Box, Detection, Face, FrameResult, TextLine } from '../../native/binding';

/** One frame's answer from the engine: the result as JSON text (the FrameResult schema) and its stage times, ms. */
export type FrameAnswer = NativeSuccess;

/** What a frame comes back as: its answer, or the error that refused it (errors are values on the hot path). */
export type FrameOutcome = FrameAnswer | FramewireError;

/** Labels a pipeline's nodes can produce: a detector's classes (its class filter, or all), `face` for a faces node. */
function pipelineLabels(spec: NativeEngineSpec, nodes: readonly NativeNodeSpec[]): ReadonlySet<string> {
  const labels = new Set<string>();
  for (const node of nodes) {
    if (node.kind === 'faces') labels.add(FACE_LABEL);
    else {
      const modelLabels = spec.models[node.model].labels;
      for (const label of node.classFilter.length > 0 ? node.classFilter.map((c) => modelLabels[c]) : modelLabels) labels.add(label);
    }
  }
  return labels;
}

/** The one wording of an unknown pipeline id, for every transport. */
export function unknownPipeline(pipelineId: string): FramewireError {
  return new FramewireError('invalid_pipeline', `no pipeline "${pipelineId}"; GET /v1/pipelines lists them`);
}

export interface PipelineDescription {
  id: string;
  description: string;
  /** Labels its results can carry (what stream zones and lines may name). */
  labels: string[];
  nodes: {
    id: string;
    kind: string;
    model: string;
    input: { width: number; height: number };
    /** Text nodes: the recognizer model, the most lines read per frame, and the detector node whose boxes bound the search. */
    recognizer?: string;
    max_lines?: number;
    within?: string;
  }[];
}

/**
 * Runs named pipelines on single JPEG frames through the native engine. The
 * name is the plan's: "video file" because frames come from a stream or file,
 * one at a time. One instance per process owns the engine. It does not queue:
 * the one scheduler in front of it (src/services/streaming/backpressure.ts)
 * keeps at most `slots` frames inside.
 */
export class VideoFilePipelineService {
  /** Worker slots: frames the engine computes at once. The scheduler is sized to this. */
  readonly slots: number;
  private readonly maxFrameBytes: number;
  private readonly engine: NativeEngine;
  private readonly indexById: ReadonlyMap<string, number>;
  private readonly labelsById: ReadonlyMap<string, ReadonlySet<string>>;
  /** Per pipeline with a detector node: the labels its detectors can return (what `classes` may name). */
  private readonly detectorLabelsById: ReadonlyMap<string, ReadonlySet<string>>;
  private loaded = false;

  private constructor(
    readonly registry: PipelineRegistry,
    config: Config,
  ) {
    const spec = buildEngineSpec(registry, config, labelsIn(config.modelDir));
    this.engine = createEngine(spec);
    this.indexById = new Map(registry.pipelines.map((p, i) => [p.id, i]));
    this.labelsById = new Map(spec.pipelines.map((p) => [p.id, pipelineLabels(spec, p.nodes)]));
    const detectors = (nodes: readonly NativeNodeSpec[]) => nodes.filter((n) => n.kind === 'detector');
    this.detectorLabelsById = new Map(spec.pipelines.filter((p) => detectors(p.nodes).length > 0).map((p) => [p.id, pipelineLabels(spec, detectors(p.nodes))]));
    this.slots = config.workerSlots;
    // Each transport enforces its own limit before calling; this bound is the
    // defence in depth behind them: nothing larger than any transport accepts
    // (the larger of FRAMEWIRE_MAX_FRAME_BYTES and the stream limit).
    this.maxFrameBytes = Math.max(config.maxFrameBytes, config.stream.maxFrameBytes);
  }

  /**
   * Reads the registry and checks the model files (present, sha256 as in the
   * manifest) so a missing model fails here, naming the file; then builds
   * the engine. Models load in `load()`.
   */
  static async create(config: Config, manifest: readonly ManifestFile[]): Promise<VideoFilePipelineService> {
    const registry = parseRegistry(JSON.parse(readFileSync(config.pipelinesFile, 'utf8')));
    const byPath = new Map(manifest.map((f) => [f.path, f]));
    for (const file of filesInUse(registry)) {
      const entry = byPath.get(file);
      if (!entry) throw new Error(`model file ${file} is used by ${config.pipelinesFile} but not listed in models/manifest.json`);
      const problem = await checkModelFile(config.modelDir, entry);
      if (problem) {
        throw new Error(`model file ${file} in ${config.modelDir} is ${problem}: run \`npm run models\` (set FRAMEWIRE_MODEL_MIRROR to copy from an offline mirror)`);
      }
    }
    return new VideoFilePipelineService(registry, config);
  }

  /** Loads every model on every worker slot and runs one warm-up inference each. */
  async load(): Promise<void> {
    await this.engine.load();
    this.loaded = true;
  }

  get ready(): boolean {
    return this.loaded;
  }

  get defaultPipeline(): string {
    return this.registry.defaultPipeline;
  }

  isValidPipeline(id: string): boolean {
    return this.indexById.has(id);
  }

  /** The labels the pipeline's results can carry: its detectors' classes (after class filters) and `face`. */
  labelsOf(id: string): ReadonlySet<string> {
    return this.labelsById.get(id) ?? new Set();
  }

  /**
   * Runs the pipeline on one JPEG frame: one native call (decode, every
   * node, post-processing, the JSON answer). A refused or failed frame comes
   * back as a FramewireError value (invalid_pipeline, not_ready,
   * frame_too_large, invalid_frame, pipeline_failure, internal_error), not
   * a rejection; it rejects only on misuse of the engine (a bug of ours,
   * e.g. a frame submitted while the engine stops), which the scheduler
   * answers as internal_error. The Buffer is borrowed, not copied, until the
   * promise settles.
   */
  async runFrame(pipelineId: string, frame: Buffer, overrides?: FrameOverrides): Promise<FrameOutcome> {
    const index = this.indexById.get(pipelineId);
    if (index === undefined) return unknownPipeline(pipelineId);
    if (!this.loaded) return new FramewireError('not_ready', 'models are still loading');
    if (frame.length > this.maxFrameBytes) return new FramewireError('frame_too_large', `frame is ${frame.length} bytes, the limit is ${this.maxFrameBytes}`);
    const outcome = await this.engine.infer(index, frame, overrides);
    return outcome.error === undefined ? outcome : fromEngineFailure(outcome);
  }

  /**
   * The same as runFrame, parsed: the result object, or a thrown
   * FramewireError. For callers that want objects rather than the JSON text
   * a transport sends on (tests, tools).
   */
  async runOnFrame(pipelineId: string, frame: Buffer): Promise<FrameResult> {
    const outcome = await this.runFrame(pipelineId, frame);
    if (outcome instanceof FramewireError) throw outcome;
    return JSON.parse(outcome.json) as FrameResult;
  }

  /**
   * The request's `min_score` / `classes` for a valid pipeline id: undefined when neither is given, or the
   * invalid_parameter error.
   */
  parseOverrides(pipelineId: string, params: URLSearchParams): FrameOverrides | undefined | FramewireError {
    return parseOverrides(params, pipelineId, this.detectorLabelsById.get(pipelineId));
  }

  describe(): PipelineDescription[] {
    return this.registry.pipelines.map((p) => ({
      id: p.id,
      description: p.description,
      labels: [...this.labelsOf(p.id)],
      nodes: p.nodes.map((n) => {
        const model = this.registry.models.get(n.model);
        const text = n.text ? { recognizer: n.text.recognizer, max_lines: n.text.maxLines, ...(n.text.within ? { within: n.text.within } : {}) } : {};
        return { id: n.id, kind: n.kind, model: n.model, input: { width: model?.input.width ?? 0, height: model?.input.height ?? 0 }, ...text };
      }),
    }));
  }
}
