/**
 * What the REST routes need from the server, behind one interface, so the same routes serve the main port
 * (in-process: `localInferenceGate`) and the REST port's thread (over messages: src/api/rest-port/remote-gate.ts).
 * A request is admitted at its headers (pipeline id, query overrides, a place in the scheduler's HTTP lane),
 * before its body is read; then it runs once, or gives its place back.
 *
 * It lives in the streaming layer, beside the scheduler it admits to, so that src/api calls only this layer:
 * the routes never reach past it into the pipeline service.
 */
import { FramewireError } from '../../errors';
import type { Metrics } from '../../metrics';
import { unknownPipeline, type FrameOverrides, type PipelineDescription } from '../pipeline';
import type { FrameScheduler } from './backpressure';

/** GET /v1/pipelines's body. */
export interface PipelineList {
  readonly default_pipeline: string;
  readonly pipelines: readonly PipelineDescription[];
}

/** A request admitted at its headers: it holds a place in the HTTP lane until it runs or is released. */
export interface Admission {
  /** Waits its turn with the streams, runs, and gives the answer's JSON text (errors as values, never a rejection). */
  run(bytes: Buffer): Promise<string | FramewireError>;
  /** Gives the place back unused (the body failed, or the client left). Safe more than once, or after run. */
  release(): void;
}

export interface InferenceGate {
  pipelines(): PipelineList | Promise<PipelineList>;
  /** Checks the pipeline id and the query's overrides, then holds a place; or the error to answer. */
  admit(pipelineId: string, query: string): Admission | FramewireError | Promise<Admission | FramewireError>;
}

/** What the gate asks of the pipeline service (VideoFilePipelineService implements it). */
export interface RequestCatalog {
  readonly defaultPipeline: string;
  describe(): PipelineDescription[];
  isValidPipeline(id: string): boolean;
  /** The query's min_score / classes for a valid pipeline: undefined when none, or invalid_parameter. */
  parseOverrides(pipelineId: string, params: URLSearchParams): FrameOverrides | undefined | FramewireError;
}

/** The gate on the main thread: the pipeline catalog and the one scheduler, called directly. */
export function localInferenceGate(service: RequestCatalog, scheduler: FrameScheduler, metrics: Metrics): InferenceGate {
  return {
    pipelines: () => ({ default_pipeline: service.defaultPipeline, pipelines: service.describe() }),
    admit: (pipelineId, query) => {
      if (!service.isValidPipeline(pipelineId)) return unknownPipeline(pipelineId);
      const overrides = service.parseOverrides(pipelineId, new URLSearchParams(query));
      if (overrides instanceof FramewireError) return overrides;
      const place = scheduler.reserve();
      if (place instanceof FramewireError) {
        metrics.httpBusy.inc();
        return place;
      }
      return {
        run: async (bytes) => {
          const outcome = await place.request(pipelineId, bytes, overrides);
          if (outcome instanceof FramewireError) {
            if (outcome.code === 'server_busy') metrics.httpBusy.inc(); // no slot within FRAMEWIRE_MAX_QUEUE_WAIT_MS
            return outcome;
          }
          if (outcome.decodeWarnings > 0) metrics.decoderWarnings.inc(outcome.decodeWarnings); // libjpeg's, never printed
          return outcome.json;
        },
        release: () => place.release(),
      };
    },
  };
}
