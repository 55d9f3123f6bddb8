/**
 * The only module that loads the native addon. Everything else imports these
 * types and the `loadEngine` wrapper, never the .node file.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export type ModelFormat = 'darknet_yolo' | 'yolox' | 'yunet' | 'db_text' | 'tesseract';
export type NodeKind = 'detector' | 'faces' | 'text';

export interface NativeModelSpec {
  id: string;
  format: ModelFormat;
  /** darknet .cfg path; '' for ONNX models. */
  config: string;
  weights: string;
  inputWidth: number;
  inputHeight: number;
  labels: string[];
}

export interface NativeNodeSpec {
  id: string;
  kind: NodeKind;
  /** Index into NativeEngineSpec.models. */
  model: number;
  scoreThreshold: number;
  nmsThreshold: number;
  /** Class ids to keep; empty keeps all. */
  classFilter: number[];
  /** Text nodes: index into NativeEngineSpec.models of the recognizer (a tesseract model). */
  recognizer: number;
  /** Text nodes: the most lines recognised per frame. */
  maxLines: number;
  /** Text nodes: index of the earlier detector node whose boxes bound the search; -1 reads the whole frame. */
  within: number;
}

export interface NativeEngineSpec {
  slots: number;
  threads: number;
  maxPixels: number;
  /** Wall-clock budget of one frame's JPEG decode, ms; 0 = none (native/core/jpeg_decoder.h). */
  decodeDeadlineMs: number;
  scaledDecode: boolean;
  /** Framewire's core-sharing parallel_for_ backend (native/core/parallel_backend.h); false keeps OpenCV's own. Process-wide: the first engine decides. */
  coreSharing: boolean;
  models: NativeModelSpec[];
  pipelines: { id: string; nodes: NativeNodeSpec[] }[];
}

// The result schema lives in src/protocol, shared with the SDK and the specs: one source.
export type { Box, Detection, Face, FrameResult, TextLine } from '../protocol/result';

/** Error codes the engine answers with; each is also a code of src/errors.ts. */
export type NativeErrorCode = 'invalid_frame' | 'pipeline_failure' | 'internal_error';
export const NATIVE_ERROR_CODES: readonly NativeErrorCode[] = ['invalid_frame', 'pipeline_failure', 'internal_error'];

/** A frame the engine answered: the result as JSON text (the FrameResult schema) and its stage times, ms. */
export interface NativeSuccess {
  readonly json: string;
  readonly decodeMs: number;
  readonly inferenceMs: number;
  readonly totalMs: number;
  /** Corrupt-data warnings libjpeg raised on this frame, which still decoded (never printed: counted). */
  readonly decodeWarnings: number;
  readonly error?: undefined;
}

/** A frame the engine refused or failed on: errors are data, the promise still resolves. */
export interface NativeFailure {
  readonly error: NativeErrorCode;
  readonly message: string;
}

export type NativeOutcome = NativeSuccess | NativeFailure;

/** One request's overrides, applied inside the frame's native call. Validated by the caller. */
export interface FrameOverrides {
  /** Replaces every node's score threshold. */
  readonly minScore?: number;
  /** Only detections with these labels (faces are kept). */
  readonly classes?: readonly string[];
}

export interface NativeEngine {
  load(): Promise<void>;
  /**
   * Queues the frame to the engine's slot threads; the one that runs it settles the promise (never rejects
   * for a bad frame). Throws at once only on misuse (bad index, not loaded). The frame Buffer is pinned, not
   * copied: do not mutate it until the promise settles.
   */
  infer(pipelineIndex: number, frame: Buffer, overrides?: FrameOverrides): Promise<NativeOutcome>;
}

/** How the addon builds a frame's outcome from its parts (native/frame_completions.h). */
interface OutcomeConstructors {
  ok(json: string, decodeMs: number, inferenceMs: number, totalMs: number, decodeWarnings: number): NativeSuccess;
  failed(error: NativeErrorCode, message: string): NativeFailure;
}

/**
 * Object literals, one shape each: V8 gives a literal its shape at once, where setting five properties from
 * C++ searched the empty object's transitions per key (half of settling a frame in a profile at saturation).
 */
const OUTCOMES: OutcomeConstructors = {
  ok: (json, decodeMs, inferenceMs, totalMs, decodeWarnings) => ({ json, decodeMs, inferenceMs, totalMs, decodeWarnings }),
  failed: (error, message) => ({ error, message }),
};

interface Addon {
  Engine: new (spec: NativeEngineSpec, outcomes: OutcomeConstructors) => NativeEngine;
  opencvVersion: string;
  openCvThreads(): number;
  openCvParallelBackend(): string;
  openCvParallelStats(): ParallelStats;
  ompThreadLimit(): number;
}

/**
 * FRAMEWIRE_ADDON_PATH (optional): the .node file to load instead of build/Release/framewire.node, e.g. the
 * sanitizer build `npm run test:asan` makes (build-asan/build/Release/framewire.node). docs/configuration.md.
 */
export const ADDON_PATH_ENV = 'FRAMEWIRE_ADDON_PATH';

function findAddon(env: NodeJS.ProcessEnv = process.env): string {
  const override: string | undefined = env[ADDON_PATH_ENV];
  if (override !== undefined && override !== '') {
    if (!existsSync(override)) throw new Error(`${ADDON_PATH_ENV}=${override}: no such file`);
    return path.resolve(override);
  }
  // src/native (ts) and dist/src/native (js) both reach the project root by walking up.
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'build', 'Release', 'framewire.node');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('native addon build/Release/framewire.node not found: run `npm run build:native`');
}

let addon: Addon | undefined;
function native(): Addon {
  // Tesseract (text pipelines) runs its LSTM on OpenMP threads; libgomp reads
  // this once, when the addon's libraries load. One thread per recognising
  // slot keeps it off the other slots' cores. An operator's own value wins.
  process.env.OMP_THREAD_LIMIT ??= '1';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  addon ??= require(findAddon()) as Addon;
  return addon;
}

export function createEngine(spec: NativeEngineSpec): NativeEngine {
  return new (native().Engine)(spec, OUTCOMES);
}

/** What the core-sharing backend did so far (process-wide; zeros until an engine installed it). */
export interface ParallelStats {
  /** Parallel regions it ran. */
  regions: number;
  /** Regions that offered helpers seats: a core was free of slot threads (and had been for 2 ms). */
  offeredRegions: number;
  /** Regions a helper joined in time: depends on the OS scheduler, so a loaded machine sees fewer. */
  helpedRegions: number;
}

export function openCvParallelStats(): ParallelStats {
  return native().openCvParallelStats();
}

/** Process-wide OpenCV facts; `parallel` is "framewire" once an engine installed the core-sharing backend. */

export function openCvInfo(): { version: string; threads: number; parallel: string } {
  return { version: native().opencvVersion, threads: native().openCvThreads(), parallel: native().openCvParallelBackend() };
}

/** The OpenMP thread limit in force (Tesseract's threads per recognising slot); OMP_THREAD_LIMIT, 1 unless the operator set it. */
export function ompThreadLimit(): number {
  return native().ompThreadLimit();
}
