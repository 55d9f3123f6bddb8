/**
 * The messages between the REST port's thread and the main thread. One request is one id: `admit` at its
 * headers, then `run` with its body (an ArrayBuffer moved, not copied) or `release`. The main thread owns
 * every place in the scheduler; the REST thread only asks.
 */
import type { ErrorCode } from '../../errors';
import type { PipelineList } from '../../services/streaming';

/** What the REST thread is started with (workerData): the HTTP settings of Config it needs, nothing else. */
export interface RestWorkerData {
  readonly port: number;
  readonly host: string;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly maxFrameBytes: number;
  /** Requests the thread lets ask the scheduler at once: FRAMEWIRE_MAX_QUEUED_REQUESTS + the worker slots. */
  readonly maxOutstanding: number;
  readonly corsOrigins: readonly string[];
  readonly authToken: string | undefined;
  readonly logLevel: string;
}

/** A FramewireError, as data. */
export interface ErrorData {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly internalDetail?: string;
}

/** REST thread -> main thread. */
export type FromRestThread =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'listen_failed'; readonly message: string }
  | { readonly type: 'admit'; readonly id: number; readonly pipelineId: string; readonly query: string }
  | { readonly type: 'run'; readonly id: number; readonly bytes: ArrayBuffer }
  | { readonly type: 'release'; readonly id: number }
  | { readonly type: 'pipelines'; readonly id: number }
  | { readonly type: 'closed'; readonly unanswered: number }
  /** Requests the thread answered server_busy itself since its last report (for framewire_http_busy_total). */
  | { readonly type: 'busy'; readonly count: number };

/** Main thread -> REST thread. */
export type ToRestThread =
  | { readonly type: 'admitted'; readonly id: number }
  | { readonly type: 'answer'; readonly id: number; readonly json: string }
  | { readonly type: 'error'; readonly id: number; readonly error: ErrorData }
  | { readonly type: 'pipelines'; readonly id: number; readonly list: PipelineList }
  /** /readyz and the drain: models loaded, and the server still accepting work. */
  | { readonly type: 'state'; readonly ready: boolean; readonly accepting: boolean }
  /** Stop accepting, answer what was accepted within deadlineMs, close the listener, reply `closed`. */
  | { readonly type: 'close'; readonly deadlineMs: number };
