import { readFileSync } from 'node:fs';

import { STAGED_FRAMES_PER_SLOT, type Config } from '../../config';
import { FramewireError, toFramewireError } from '../../errors';
import { checkModelFile } from '../../models/ensure-models';
import type { ManifestFile } from '../../models/manifest';
import { createEngine, type FrameResult, type NativeEngine } from '../../native/binding';
import { buildEngineSpec, filesInUse, labelsIn } from './engine-spec';
import { InferenceLimiter } from './inference-limiter';
import { parseRegistry, type PipelineRegistry } from './registry';

export interface PipelineDescription {
  id: string;
  description: string;
  nodes: { id: string; kind: string; model: string; input: { width: number; height: number } }[];
}

/**
 * Runs named pipelines on single JPEG frames through the native engine. The
 * name is the plan's: "video file" because frames come from a stream or file,
 * one at a time. One instance per process owns the engine and the limiter.
 */
export class VideoFilePipelineService {
  readonly limiter: InferenceLimiter;
  private readonly maxFrameBytes: number;
  private readonly engine: NativeEngine;
  private readonly indexById: ReadonlyMap<string, number>;
  private loaded = false;

  private constructor(
    readonly registry: PipelineRegistry,
    config: Config,
  ) {
    const spec = buildEngineSpec(registry, config, labelsIn(config.modelDir));
    this.engine = createEngine(spec);
    this.indexById = new Map(registry.pipelines.map((p, i) => [p.id, i]));
    this.limiter = new InferenceLimiter(config.workerSlots, STAGED_FRAMES_PER_SLOT);
    // Each transport enforces its own limit before calling; this bound is the
    // defence in depth behind them: nothing larger than any transport accepts.
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

  /**
   * Runs the pipeline on one JPEG frame. Rejects with a FramewireError:
   * invalid_pipeline, not_ready, frame_too_large, invalid_frame,
   * pipeline_failure or internal_error. The Buffer is borrowed, not copied.
   */
  async runOnFrame(pipelineId: string, frame: Buffer): Promise<FrameResult> {
    const index = this.indexById.get(pipelineId);
    if (index === undefined) throw new FramewireError('invalid_pipeline', `no pipeline "${pipelineId}"; GET /v1/pipelines lists them`);
    if (!this.loaded) throw new FramewireError('not_ready', 'models are still loading');
    if (frame.length > this.maxFrameBytes) {
      throw new FramewireError('frame_too_large', `frame is ${frame.length} bytes, the limit is ${this.maxFrameBytes}`);
    }
    try {
      return await this.limiter.run(() => this.engine.infer(index, frame));
    } catch (err) {
      throw toFramewireError(err);
    }
  }

  describe(): PipelineDescription[] {
    return this.registry.pipelines.map((p) => ({
      id: p.id,
      description: p.description,
      nodes: p.nodes.map((n) => {
        const model = this.registry.models.get(n.model);
        return { id: n.id, kind: n.kind, model: n.model, input: { width: model?.input.width ?? 0, height: model?.input.height ?? 0 } };
      }),
    }));
  }
}
