/**
 * The WebSocket protocol of /ws/video/stream, message by message: what the server sends, what a client may send,
 * and the close codes. The server builds its messages against these types (src/api/stream) and the SDK
 * (src/client) reads them with the same ones; docs/asyncapi.yaml describes the same shapes and the tests check the
 * messages the server really sends against it. Types and constants only: safe to import from browser code.
 */
import type { ErrorCode } from '../errors';
import type { FrameResult } from './result';

export const STREAM_PATH = '/ws/video/stream';

/** Why a frame was not processed: a newer frame replaced it, it waited too long, or the server is stopping. */
export type DropCause = 'superseded' | 'stale' | 'shutdown';

// --- server -> client ---------------------------------------------------------------------------------------

export interface SessionStartedMessage {
  event: 'session_started';
  session_id: string;
  pipeline_id: string;
  max_frame_bytes: number;
  /** The server instance serving the session (FRAMEWIRE_INSTANCE_ID): tells instances apart behind a load balancer. */
  instance_id: string;
}

export interface ResultMessage {
  frame_index: number;
  result: FrameResult;
}

export interface DroppedMessage {
  frame_index: number;
  dropped: true;
  cause: DropCause;
}

/** A frame that failed: pipeline_failure (the session goes on), or a frame refused while the session ends. */
export interface FrameErrorMessage {
  frame_index: number;
  error: ErrorCode;
  detail: string;
}

/** The answer to one frame: exactly one per frame sent. */
export type FrameAnswerMessage = ResultMessage | DroppedMessage | FrameErrorMessage;

export interface SlowDownMessage {
  warning: 'slow_down';
  detail: string;
  /** Dropped share of the recent frames, 0..1. */
  drop_rate: number;
  /** The rate the session's frames are being completed at, frames/s. */
  suggested_fps: number;
}

/** An error about the session itself (then the close follows), or an invalid control message (the session goes on). */
export interface SessionErrorMessage {
  error: ErrorCode;
  detail: string;
  frame_index?: number;
}

export interface ConfiguredMessage {
  event: 'configured';
  track: boolean;
  /** The ids of the zones and lines now set. */
  zones: readonly string[];
  lines: readonly string[];
}

export interface ResetMessage {
  event: 'reset';
}

/** The server is shutting down: send no more frames; every frame sent is answered, then the close (1001) follows. */
export interface DrainingMessage {
  event: 'draining';
  detail: string;
}

export type ServerMessage =
  | SessionStartedMessage
  | FrameAnswerMessage
  | SlowDownMessage
  | SessionErrorMessage
  | ConfiguredMessage
  | ResetMessage
  | DrainingMessage;

// --- client -> server (text control messages; frames are binary JPEG messages) ------------------------------

export type Point = [number, number];

/** A polygon zone; `labels` limits it to these labels (default: all). Pixels of the frames sent. */
export interface Zone {
  id: string;
  polygon: Point[];
  labels?: string[];
}

/** A directed counting line from `from` to `to`. */
export interface Line {
  id: string;
  from: Point;
  to: Point;
  labels?: string[];
}

export interface ConfigureRequest {
  type: 'configure';
  track?: boolean;
  zones?: Zone[];
  lines?: Line[];
}

export interface ResetRequest {
  type: 'reset';
}

export type ClientControlMessage = ConfigureRequest | ResetRequest;

// --- close codes ---------------------------------------------------------------------------------------------

/**
 * Close codes after which a client should open a new session (with backoff): the server went away or restarts
 * (1001; 1012 from a proxy), the connection broke (1006), an unexpected server fault (1011), or try again later (1013).
 */
export const RETRYABLE_CLOSE_CODES: readonly number[] = [1001, 1006, 1011, 1012, 1013];

/**
 * HTTP statuses to the WebSocket upgrade after which a client should try again (with backoff): the server is
 * draining for a shutdown and takes no new sessions (503), or a proxy in front found no instance to take it
 * (502, 504). Any other refusal (401, 403, 404, 400) fails the same way again.
 */
export const RETRYABLE_UPGRADE_STATUSES: readonly number[] = [502, 503, 504];

/** Close codes that say the client's own input was wrong: retrying the same thing fails the same way. */
export const FATAL_CLOSE_CODES: readonly number[] = [1003, 1007, 1008, 1009];
