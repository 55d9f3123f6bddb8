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
 * writes the answers this service emits. No addon either: the scheduler (which
 * was given runFrame, the pipeline service's) and the clock are injected.
 */
import { randomUUID } from 'node:crypto';

import { FramewireError } from '../../errors';
import type { Logger } from '../../logger';
import type { Metrics, PipelineStreamMetrics } from '../../metrics';
import { unknownPipeline, type FrameOutcome, type FrameOverrides } from '../pipeline';
import { parseLayout, SessionTracker, type SceneEvent, type TrackingPolicy } from '../tracking';
import type { FrameScheduler, Lane, LaneFrame } from './backpressure';
import { parseControlMessage, type ControlMessage } from './control-message';
import { validateFrame, type FrameLimits } from './frame-validator';
import { StreamSession, type Clock, type DropCause, type PendingFrame, type SessionPolicy, type SlowDownWarning } from './session-manager';
import { DEFAULT_SESSION_OPTIONS, parseSessionOptions } from './session-options';

/** Everything the service tells a session's transport, in order. */
export type StreamAnswer =
  | { readonly type: 'result'; readonly frameIndex: number; readonly json: string }
  | { readonly type: 'dropped'; readonly frameIndex: number; readonly cause: DropCause }
  /** A frame that failed while the session goes on (pipeline_failure), or an accepted frame refused while the session was already ending. */
  | { readonly type: 'frame_error'; readonly frameIndex: number; readonly error: FramewireError }
  | { readonly type: 'slow_down'; readonly warning: SlowDownWarning }
  /** A configure control message was applied: tracking on or off, and the ids of the zones and lines now set. */
  | { readonly type: 'configured'; readonly track: boolean; readonly zones: readonly string[]; readonly lines: readonly string[] }
  /** A reset control message was applied. */
  | { readonly type: 'reset' }
  /** A control message was refused (invalid_config); the session goes on as it was. */
  | { readonly type: 'control_error'; readonly error: FramewireError }
  /** The server is shutting down: the client should send no more frames; the session closes once it is quiet. */
  | { readonly type: 'draining'; readonly detail: string }
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
  /** The labels a pipeline's results can carry (detector classes, `face`): what zones and lines may name. */
  labelsOf(id: string): ReadonlySet<string>;
  /** The connect URL's min_score / classes for a valid pipeline: undefined when none, or invalid_parameter. */
  parseOverrides(pipelineId: string, params: URLSearchParams): FrameOverrides | undefined | FramewireError;
  readonly ready: boolean;
}

/** What a transport asks to open: the pipeline and the connect URL's other query parameters. */
export interface SessionRequest {
  readonly pipelineId: string;
  readonly params: URLSearchParams;
}

export interface StreamServiceDeps {
  readonly scheduler: FrameScheduler;
  readonly pipelines: PipelineCatalog;
  readonly limits: FrameLimits;
  readonly policy: SessionPolicy;
  /** Tracker, zone and line settings for sessions that track. */
  readonly tracking: TrackingPolicy;
  readonly maxSessions: number;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly clock: Clock;
}

/** How a graceful shutdown runs (StreamService.shutdown); the STREAM_DRAIN_* settings. */
export interface DrainOptions {
  /** From the call until every session is closed or cut, ms. */
  readonly deadlineMs: number;
  /** Sessions go on as usual for this long (new ones refused) before they are drained, ms. */
  readonly graceMs: number;
  /** A draining session ends once its accepted frames are answered and no frame arrived for this long, ms. */
  readonly quietMs: number;
}

/** The close code of a shutdown: 1001 going away (docs/streaming.md says why not 1012). */
export const SHUTDOWN_CLOSE_CODE = 1001;

const DRAINING_DETAIL =
  'the server is shutting down: send no more frames on this session; every frame already sent is answered, then the session closes with 1001 and you can reconnect';

/** What the service keeps per session beside its state: where answers go, its lane, its metrics and log. */
interface Live {
  readonly session: StreamSession;
  readonly output: SessionOutput;
  readonly lane: Lane;
  readonly metrics: PipelineStreamMetrics;
  readonly log: Logger;
  readonly remote: string;
  /** The connect URL's min_score / classes, applied to every frame of the session. */
  readonly overrides: FrameOverrides | undefined;
}

export class StreamService {
  private readonly live = new Map<string, Live>();
  private acceptingSessions = true;
  private allGone: (() => void) | undefined;
  /** Draining sessions not yet quiet, by session id: each timer restarts when a frame arrives. */
  private readonly quietTimers = new Map<string, NodeJS.Timeout>();
  private drainQuietMs = 0;

  constructor(private readonly deps: StreamServiceDeps) {}

  /** False once shutdown began: the upgrade gate answers 503 server_busy before any WebSocket exists. */
  get accepting(): boolean {
    return this.acceptingSessions;
  }

  get activeSessions(): number {
    return this.live.size;
  }

  /** Confirmed tracks alive in tracking sessions, per pipeline id. */
  activeTracks(): Map<string, number> {
    const byPipeline = new Map<string, number>();
    for (const { session } of this.live.values()) {
      if (session.tracker) byPipeline.set(session.pipelineId, (byPipeline.get(session.pipelineId) ?? 0) + session.tracker.activeTracks);
    }
    return byPipeline;
  }

  /** Frames waiting in sessions for their turn (at most one per session). */
  get waitingFrames(): number {
    let n = 0;
    for (const { session } of this.live.values()) if (session.waiting) n += 1;
    return n;
  }

  /**
   * Opens a session, or says why not (invalid_pipeline, invalid_parameter,
   * not_ready, server_busy): the transport then sends the error and closes.
   */
  open(request: SessionRequest, output: SessionOutput, remote: string): StreamSession | FramewireError {
    const { pipelines, maxSessions } = this.deps;
    const { pipelineId } = request;
    const valid = pipelines.isValidPipeline(pipelineId);
    // min_score / classes are checked against the pipeline's labels: only once the pipeline is known valid.
    const options = valid ? parseSessionOptions(request.params, (params) => pipelines.parseOverrides(pipelineId, params)) : DEFAULT_SESSION_OPTIONS;
    let refusal: FramewireError | undefined;
    if (!valid) {
      refusal = pipelineId ? unknownPipeline(pipelineId) : new FramewireError('invalid_pipeline', 'the pipeline_id query parameter is required');
    } else if (options instanceof FramewireError) refusal = options;
    else if (!this.acceptingSessions) refusal = new FramewireError('server_busy', 'the server is shutting down');
    else if (!pipelines.ready) refusal = new FramewireError('not_ready', 'models are still loading; retry when /readyz answers 200');
    else if (this.live.size >= maxSessions) refusal = new FramewireError('server_busy', `the server holds its maximum of ${maxSessions} sessions`);
    if (refusal || options instanceof FramewireError) {
      const error = refusal ?? (options as FramewireError); // an options error is always the refusal too
      this.deps.metrics.stream(pipelineId).rejected(error.code);
      this.deps.log.info({ error: error.code, detail: error.detail, remote }, 'stream session refused');
      return error;
    }
    const session = new StreamSession(randomUUID(), pipelineId, this.deps.clock, this.deps.policy);
    if (options.track) session.tracker = new SessionTracker(this.deps.tracking);
    const live: Live = {
      session,
      output,
      lane: { take: () => this.take(live), heldSince: () => live.session.waiting?.receivedAt },
      metrics: this.deps.metrics.stream(pipelineId),
      log: this.deps.log.child({ session_id: session.sessionId, pipeline_id: pipelineId }),
      remote,
      overrides: options.overrides,
    };
    this.live.set(session.sessionId, live);
    this.deps.scheduler.open(live.lane); // the HTTP slot cap applies while any session's lane is open
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
      this.control(live, parseControlMessage(data.toString('utf8')));
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
    this.stopQuietTimer(session.sessionId);
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
   * Graceful shutdown. New sessions are refused at once (the upgrade gate and /readyz answer 503 from
   * `accepting`). For `graceMs` the open sessions go on as usual, so a load balancer stops routing here before
   * anything closes. Then every open session is drained: it is told `draining`, its waiting frame is answered
   * `dropped`/shutdown, its in-flight frame gets its result, and every frame still arriving is answered
   * `dropped`/shutdown. It ends with 1001 once all that is answered and no frame arrived for `quietMs`: after its
   * close frame the server may send nothing, so closing while frames are still on the wire would leave them
   * unanswered. Resolves once every socket is closed, or cuts the rest at the deadline.
   */
  async shutdown({ deadlineMs, graceMs, quietMs }: DrainOptions): Promise<void> {
    this.acceptingSessions = false;
    this.drainQuietMs = quietMs;
    const gone = new Promise<void>((resolve) => {
      this.allGone = resolve;
      if (this.live.size === 0) resolve();
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
    if (graceMs > 0) {
      this.deps.log.info({ grace_ms: graceMs, open: this.live.size }, 'shutdown grace: refusing new sessions, serving open ones');
      await Promise.race([new Promise((resolve) => setTimeout(resolve, graceMs)), deadline]);
    }
    this.deps.log.info({ open: this.live.size, quiet_ms: quietMs }, 'draining sessions');
    for (const live of this.live.values()) this.drain(live);
    const outcome = await Promise.race([gone.then(() => 'closed' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      this.deps.log.warn({ open: this.live.size }, 'shutdown deadline reached; cutting remaining sessions');
      for (const id of [...this.quietTimers.keys()]) this.stopQuietTimer(id);
      for (const live of [...this.live.values()]) live.output.terminate();
    }
  }

  /** Starts draining one open session for shutdown (a session already ending on an error just ends). */
  private drain(live: Live): void {
    const { session } = live;
    if (session.state !== 'open') return;
    session.state = 'closing';
    session.end = { code: SHUTDOWN_CLOSE_CODE, reason: 'server shutting down' };
    live.output.answer({ type: 'draining', detail: DRAINING_DETAIL });
    const waiting = session.waiting;
    session.waiting = undefined;
    this.deps.scheduler.remove(live.lane);
    this.restartQuietTimer(live);
    if (waiting) this.drop(live, waiting, 'shutdown');
  }

  /** A draining session heard from its client: its quiet period starts again. */
  private restartQuietTimer(live: Live): void {
    const id = live.session.sessionId;
    clearTimeout(this.quietTimers.get(id));
    const timer = setTimeout(() => {
      this.quietTimers.delete(id);
      this.finishEnd(live);
    }, this.drainQuietMs);
    timer.unref();
    this.quietTimers.set(id, timer);
  }

  private stopQuietTimer(id: string): void {
    clearTimeout(this.quietTimers.get(id));
    this.quietTimers.delete(id);
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
    return { pipelineId: session.pipelineId, bytes: frame.bytes, overrides: live.overrides, done: (outcome) => this.completed(live, frame, outcome) };
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
      const json = session.tracker ? this.tracked(live, session.tracker, outcome.json, frame.receivedAt) : outcome.json;
      live.output.answer({ type: 'result', frameIndex: frame.index, json });
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

  /** A frame's result JSON with track ids, events and counts: tracking runs on the frame's arrival time. */
  private tracked(live: Live, tracker: SessionTracker, json: string, receivedAt: number): string {
    const annotated = tracker.annotate(JSON.parse(json) as Parameters<SessionTracker['annotate']>[0], receivedAt);
    for (const event of annotated.events as SceneEvent[]) live.metrics.trackEvent(event.type);
    return JSON.stringify(annotated);
  }

  /** Applies a control message (or answers why not); an invalid_message error ends the session like any bad message. */
  private control(live: Live, message: ControlMessage | FramewireError): void {
    const { session } = live;
    if (message instanceof FramewireError) {
      if (message.code === 'invalid_message') this.fail(live, message);
      else this.refuseControl(live, message);
      return;
    }
    if (message.type === 'reset') {
      session.tracker?.reset();
      live.log.info('tracking reset');
      live.output.answer({ type: 'reset' });
      return;
    }
    const layout = parseLayout(message.zones, message.lines, this.deps.pipelines.labelsOf(session.pipelineId));
    if (typeof layout === 'string') {
      this.refuseControl(live, new FramewireError('invalid_config', layout));
      return;
    }
    const hasLayout = layout.zones.length > 0 || layout.lines.length > 0;
    if (message.track === false && hasLayout) {
      this.refuseControl(live, new FramewireError('invalid_config', 'zones and lines need tracking: drop "track": false'));
      return;
    }
    const track = message.track ?? (hasLayout || session.tracker !== undefined);
    if (!track) session.tracker = undefined;
    else {
      session.tracker ??= new SessionTracker(this.deps.tracking);
      session.tracker.setLayout(layout);
    }
    const zones = layout.zones.map((z) => z.id);
    const lines = layout.lines.map((l) => l.id);
    live.log.info({ track, zones, lines }, 'tracking configured');
    live.output.answer({ type: 'configured', track, zones, lines });
  }

  private refuseControl(live: Live, error: FramewireError): void {
    live.metrics.rejected(error.code);
    live.log.info({ error: error.code, detail: error.detail }, 'control message refused');
    live.output.answer({ type: 'control_error', error });
  }

  private drop(live: Live, frame: PendingFrame, cause: DropCause): void {
    live.session.markDrop(cause);
    live.metrics.dropped(cause);
    live.output.answer({ type: 'dropped', frameIndex: frame.index, cause });
    if (cause === 'shutdown') this.restartQuietTimer(live); // a frame from a draining session: not quiet yet
    else this.warnIfTooFast(live);
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

  /** Sends the end once a closing session has answered everything it accepted (and, draining, is quiet). */
  private finishEnd(live: Live): void {
    const { session } = live;
    if (session.state !== 'closing' || !session.idle || !session.end || this.quietTimers.has(session.sessionId)) return;
    session.state = 'ended';
    live.output.answer({ type: 'end', ...session.end });
  }
}
