/**
 * The streaming core: the one owner of every stream session. Frames flow one
 * way through it:
 *
 *   receive (from the socket) -> frame validator -> the session's waiting
 *   frame -> the scheduler's turn -> runFrame (the pipeline service) ->
 *   answer (to the session's output)
 *
 * Each session holds at most one frame in flight and one waiting; a newer
 * frame supersedes the waiting one (answered `dropped`/superseded), and a
 * waiting frame too old when its turn comes is answered `dropped`/stale.
 * Every accepted frame gets exactly one answer. A fatal cause (a bad message,
 * a frame the decoder refuses, a reader that cannot keep up, shutdown) stops
 * accepting frames, lets the accepted ones be answered, and then ends the
 * session with one last message and a close code.
 *
 * No sockets here: the transport (src/api/stream) hands messages in and
 * writes the answers this service emits. No addon either: runFrame and the
 * clock are injected.
 */
import { randomUUID } from 'node:crypto';

import { FramewireError } from '../../errors';
import type { Logger } from '../../logger';
import type { Metrics, PipelineStreamMetrics } from '../../metrics';
import { unknownPipeline, type FrameOutcome } from '../pipeline';
import type { FrameScheduler, Lane, LaneFrame } from './backpressure';
import { validateFrame, type FrameLimits } from './frame-validator';
import { StreamSession, type Clock, type DropCause, type PendingFrame, type SessionPolicy, type SlowDownWarning } from './session-manager';

/** Everything the service tells a session's transport, in order. */
export type StreamAnswer =
  | { readonly type: 'result'; readonly frameIndex: number; readonly json: string }
  | { readonly type: 'dropped'; readonly frameIndex: number; readonly cause: DropCause }
  /** A frame that failed while the session goes on (pipeline_failure), or an accepted frame refused while the session was already ending. */
  | { readonly type: 'frame_error'; readonly frameIndex: number; readonly error: FramewireError }
  | { readonly type: 'slow_down'; readonly warning: SlowDownWarning }
  /** The last answer: send `error` if present, then close with `code`. */
  | { readonly type: 'end'; readonly code: number; readonly reason: string; readonly error?: FramewireError; readonly frameIndex?: number };

/** A session's transport. */
export interface SessionOutput {
  answer(answer: StreamAnswer): void;
  /** Cut the connection now (shutdown deadline). */
  terminate(): void;
}

export interface PipelineCatalog {
  isValidPipeline(id: string): boolean;
  readonly ready: boolean;
}

export interface StreamServiceDeps {
  readonly scheduler: FrameScheduler;
  readonly pipelines: PipelineCatalog;
  readonly limits: FrameLimits;
  readonly policy: SessionPolicy;
  readonly maxSessions: number;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly clock: Clock;
}

/** What the service keeps per session beside its state: where answers go, its lane, its metrics and log. */
interface Live {
  readonly session: StreamSession;
  readonly output: SessionOutput;
  readonly lane: Lane;
  readonly metrics: PipelineStreamMetrics;
  readonly log: Logger;
  readonly remote: string;
}

export class StreamService {
  private readonly live = new Map<string, Live>();
  private acceptingSessions = true;
  private allGone: (() => void) | undefined;

  constructor(private readonly deps: StreamServiceDeps) {}

  /** False once shutdown began: the upgrade gate answers 503 server_busy before any WebSocket exists. */
  get accepting(): boolean {
    return this.acceptingSessions;
  }

  get activeSessions(): number {
    return this.live.size;
  }

  /** Frames waiting in sessions for their turn (at most one per session). */
  get waitingFrames(): number {
    let n = 0;
    for (const { session } of this.live.values()) if (session.waiting) n += 1;
    return n;
  }

  /**
   * Opens a session for `pipelineId`, or says why not (invalid_pipeline,
   * not_ready, server_busy): the transport then sends the error and closes.
   */
  open(pipelineId: string, output: SessionOutput, remote: string): StreamSession | FramewireError {
    const { pipelines, maxSessions } = this.deps;
    let refusal: FramewireError | undefined;
    if (!pipelines.isValidPipeline(pipelineId)) {
      refusal = pipelineId ? unknownPipeline(pipelineId) : new FramewireError('invalid_pipeline', 'the pipeline_id query parameter is required');
    } else if (!this.acceptingSessions) refusal = new FramewireError('server_busy', 'the server is shutting down');
    else if (!pipelines.ready) refusal = new FramewireError('not_ready', 'models are still loading; retry when /readyz answers 200');
    else if (this.live.size >= maxSessions) refusal = new FramewireError('server_busy', `the server holds its maximum of ${maxSessions} sessions`);
    if (refusal) {
      this.deps.metrics.stream(pipelineId).rejected(refusal.code);
      this.deps.log.info({ error: refusal.code, detail: refusal.detail, remote }, 'stream session refused');
      return refusal;
    }
    const session = new StreamSession(randomUUID(), pipelineId, this.deps.clock, this.deps.policy);
    const live: Live = {
      session,
      output,
      lane: { take: () => this.take(live) },
      metrics: this.deps.metrics.stream(pipelineId),
      log: this.deps.log.child({ session_id: session.sessionId, pipeline_id: pipelineId }),
      remote,
    };
    this.live.set(session.sessionId, live);
    live.metrics.sessions.inc();
    live.log.info({ remote }, 'stream_connect');
    return session;
  }

  /** A message from the session's socket. */
  receive(session: StreamSession, data: Buffer, isBinary: boolean): void {
    const live = this.live.get(session.sessionId);
    if (!live) return;
    // Shutting down, and the session's last message is not sent yet: a frame still arriving was on the wire when
    // the server stopped; it is received and answered dropped/shutdown. Ending on an error: nothing new is taken.
    const drainingForShutdown = session.state === 'closing' && session.end?.code === 1001;
    if (session.state !== 'open' && !(drainingForShutdown && isBinary)) return;
    if (!isBinary) {
      this.fail(live, new FramewireError('invalid_message', 'send each frame as one binary message holding a complete JPEG; text messages are not accepted'));
      return;
    }
    const index = session.nextFrameIndex();
    live.metrics.received.inc();
    if (drainingForShutdown) {
      this.drop(live, { index, bytes: data, receivedAt: this.deps.clock() }, 'shutdown');
      return;
    }
    try {
      validateFrame(data, this.deps.limits);
    } catch (err) {
      this.fail(live, err as FramewireError, index);
      return;
    }
    const previous = session.waiting;
    session.waiting = { index, bytes: data, receivedAt: this.deps.clock() };
    if (previous) this.drop(live, previous, 'superseded');
    if (!session.inFlight) this.deps.scheduler.wake(live.lane);
  }

  /**
   * The peer stopped reading: ends the session now. Its waiting frame is
   * discarded and an in-flight one finishes unseen: answering them would only
   * grow the unread output.
   */
  clientTooSlow(session: StreamSession, bufferedBytes: number, limit: number): void {
    const live = this.live.get(session.sessionId);
    if (!live || session.state === 'ended') return;
    live.log.warn({ buffered_bytes: bufferedBytes }, 'client too slow; closing');
    session.waiting = undefined;
    this.deps.scheduler.remove(live.lane);
    const error = new FramewireError('client_too_slow', `more than ${limit} bytes of answers unread`);
    live.metrics.rejected(error.code);
    session.state = 'ended';
    live.output.answer({ type: 'end', code: error.wsCloseCode ?? 1008, reason: error.code, error });
  }

  /** The socket is closed (either side). A waiting frame is discarded; an in-flight one finishes unseen. */
  disconnected(session: StreamSession, closeCode: number): void {
    const live = this.live.get(session.sessionId);
    if (!live) return;
    session.state = 'ended';
    session.waiting = undefined;
    this.deps.scheduler.remove(live.lane);
    this.live.delete(session.sessionId);
    live.metrics.sessions.dec();
    live.log.info(
      {
        remote: live.remote,
        close_code: closeCode,
        duration_ms: Math.round(this.deps.clock() - session.startedAt),
        frames_received: session.receivedFrames,
        frames_processed: session.processedFrames,
        frames_dropped: session.totalDropped,
        frames_failed: session.failedFrames,
      },
      'stream_disconnect',
    );
    if (this.live.size === 0) this.allGone?.();
  }

  /**
   * Graceful shutdown: refuses new sessions, answers every waiting frame
   * `dropped`/shutdown, lets in-flight frames be answered, ends every session
   * with 1001. Resolves once every socket is closed, or cuts the rest at the
   * deadline.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    this.acceptingSessions = false;
    const gone = new Promise<void>((resolve) => {
      this.allGone = resolve;
      if (this.live.size === 0) resolve();
    });
    for (const live of this.live.values()) {
      const { session } = live;
      if (session.state !== 'open') continue;
      session.state = 'closing';
      session.end = { code: 1001, reason: 'server shutting down' };
      const waiting = session.waiting;
      session.waiting = undefined;
      this.deps.scheduler.remove(live.lane);
      if (waiting) this.drop(live, waiting, 'shutdown');
      this.finishEnd(live);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
    const outcome = await Promise.race([gone.then(() => 'closed' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      this.deps.log.warn({ open: this.live.size }, 'shutdown deadline reached; cutting remaining sessions');
      for (const live of [...this.live.values()]) live.output.terminate();
    }
  }

  // --- the lane: the scheduler asks for the session's frame when a slot is free ---

  private take(live: Live): LaneFrame | undefined {
    const { session } = live;
    const frame = session.waiting;
    if (!frame || session.inFlight || session.state === 'ended') return undefined;
    session.waiting = undefined;
    if (session.isStale(frame.receivedAt)) {
      this.drop(live, frame, 'stale');
      this.finishEnd(live);
      return undefined;
    }
    session.inFlight = true;
    live.metrics.queueWait(this.deps.clock() - frame.receivedAt);
    return { pipelineId: session.pipelineId, bytes: frame.bytes, done: (outcome) => this.completed(live, frame, outcome) };
  }

  private completed(live: Live, frame: PendingFrame, outcome: FrameOutcome): void {
    const { session, metrics } = live;
    session.inFlight = false;
    if (session.state === 'ended') return; // the peer is gone, or the session ended without waiting for this frame
    if (!(outcome instanceof FramewireError)) {
      session.markProcessed(outcome.totalMs);
      metrics.processed.inc();
      metrics.timings(outcome.decodeMs, outcome.inferenceMs, outcome.totalMs);
      if (outcome.decodeWarnings > 0) this.deps.metrics.decoderWarnings.inc(outcome.decodeWarnings); // libjpeg's, never printed
      live.output.answer({ type: 'result', frameIndex: frame.index, json: outcome.json });
      this.warnIfTooFast(live);
    } else if (outcome.code === 'pipeline_failure') {
      session.markFailed();
      metrics.failed.inc();
      live.log.error({ frame_index: frame.index, detail: outcome.logDetail }, 'pipeline error');
      live.output.answer({ type: 'frame_error', frameIndex: frame.index, error: outcome });
      this.warnIfTooFast(live);
    } else {
      // invalid_frame here means the decoder refused a frame that passed the
      // validator: still the frame's fault, still 1007. Anything else is ours.
      const error = outcome.code === 'invalid_frame' ? outcome : new FramewireError('internal_error', outcome.detail, outcome.internalDetail);
      if (error.code === 'internal_error') live.log.error({ frame_index: frame.index, detail: outcome.logDetail }, 'stream frame failed');
      if (session.state === 'open') this.fail(live, error, frame.index);
      else live.output.answer({ type: 'frame_error', frameIndex: frame.index, error }); // already ending for another cause: still one answer per frame
    }
    if (session.waiting) this.deps.scheduler.wake(live.lane);
    this.finishEnd(live);
  }

  private drop(live: Live, frame: PendingFrame, cause: DropCause): void {
    live.session.markDrop(cause);
    live.metrics.dropped(cause);
    live.output.answer({ type: 'dropped', frameIndex: frame.index, cause });
    if (cause !== 'shutdown') this.warnIfTooFast(live);
  }

  private warnIfTooFast(live: Live): void {
    const warning = live.session.takeSlowDownWarning();
    if (!warning) return;
    live.metrics.slowDown.inc();
    live.log.info({ ...warning }, 'slow_down sent');
    live.output.answer({ type: 'slow_down', warning });
  }

  /** Starts ending the session on `error`: no new frames; the accepted ones are answered first. */
  private fail(live: Live, error: FramewireError, frameIndex?: number): void {
    const { session } = live;
    if (session.state !== 'open') return;
    session.state = 'closing';
    session.end = { code: error.wsCloseCode ?? 1011, reason: error.code, error, frameIndex };
    live.metrics.rejected(error.code);
    live.log.info({ error: error.code, detail: error.detail, frame_index: frameIndex }, 'closing session on error');
    this.finishEnd(live);
  }

  /** Sends the end once a closing session has answered everything it accepted. */
  private finishEnd(live: Live): void {
    const { session } = live;
    if (session.state !== 'closing' || !session.idle || !session.end) return;
    session.state = 'ended';
    live.output.answer({ type: 'end', ...session.end });
  }
}
