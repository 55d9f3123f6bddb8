/**
 * One WebSocket session: reads binary frames, validates them, offers them to
 * the scheduler, and writes exactly one answer per accepted frame. Fatal
 * errors (bad input, slow reader) stop reading, let the frames already
 * accepted finish, then send the error and close with its code.
 */
import type { WebSocket } from 'ws';

import { FramewireError, toFramewireError } from '../../errors';
import type { Logger } from '../../logger';
import type { FrameResult } from '../../native/binding';
import type { Metrics } from '../../metrics';
import type { FrameLimits } from '../../services/streaming';
import { validateFrame, type DropCause, type FrameScheduler, type PendingFrame, type StreamSession } from '../../services/streaming';

export interface ConnectionDeps {
  readonly scheduler: FrameScheduler<StreamConnection>;
  readonly limits: FrameLimits;
  readonly maxBufferedBytes: number;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now: () => number;
  readonly runFrame: (pipelineId: string, bytes: Buffer) => Promise<FrameResult>;
}

/** open: reading frames. closing: answering what was accepted, then closing. closed: the socket is gone. */
type State = 'open' | 'closing' | 'closed';

/** How long a peer that cannot take our close frame (a non-reader) gets before the socket is cut, ms. */
const CLOSE_GRACE_MS = 2000;

export class StreamConnection {
  private state: State = 'open';
  /** Pings sent since the last pong (heartbeat). */
  unansweredPings = 0;
  readonly closed: Promise<void>;
  private readonly labels: { pipeline_id: string };

  constructor(
    readonly ws: WebSocket,
    readonly session: StreamSession,
    readonly remoteAddress: string,
    private readonly deps: ConnectionDeps,
  ) {
    this.labels = { pipeline_id: session.pipelineId };
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', () => (this.unansweredPings = 0));
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** The socket closed (either side): nothing more is sent; in-flight work finishes unseen. */
  markClosed(): void {
    this.state = 'closed';
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.state !== 'open') return;
    if (!isBinary) {
      this.fail(new FramewireError('invalid_message', 'send each frame as one binary message holding a complete JPEG; text messages are not accepted'));
      return;
    }
    const index = this.session.incrementFrame();
    this.deps.metrics.framesReceived.inc(this.labels);
    try {
      validateFrame(data, this.deps.limits);
    } catch (err) {
      this.fail(toFramewireError(err), index);
      return;
    }
    this.deps.log.debug({ frame_index: index, bytes: data.length }, 'frame received');
    this.deps.scheduler.offer(this, { index, bytes: data, receivedAt: this.deps.now() });
  }

  /** Scheduler hook: runs one frame and sends its answer. Never rejects. */
  async run(frame: PendingFrame): Promise<void> {
    this.deps.metrics.queueWait.observe(this.labels, (this.deps.now() - frame.receivedAt) / 1000);
    let result: FrameResult;
    try {
      result = await this.deps.runFrame(this.session.pipelineId, frame.bytes);
    } catch (err) {
      this.onFrameError(toFramewireError(err), frame.index);
      return;
    }
    this.session.recordProcessingTime(result.timings_ms.total);
    this.deps.metrics.framesProcessed.inc(this.labels);
    this.deps.metrics.observeTimings(this.session.pipelineId, result.timings_ms);
    this.send(JSON.stringify({ frame_index: frame.index, result }));
    this.maybeWarnSlowDown();
  }

  /** Scheduler hook: answers a frame as dropped. */
  drop(frame: PendingFrame, cause: DropCause): void {
    this.session.markDrop(cause);
    this.deps.metrics.framesDropped.inc({ ...this.labels, cause });
    this.deps.log.debug({ frame_index: frame.index, cause }, 'frame dropped');
    this.send(`{"frame_index":${frame.index},"dropped":true,"cause":"${cause}"}`);
    if (cause !== 'shutdown') this.maybeWarnSlowDown();
  }

  private onFrameError(error: FramewireError, frameIndex: number): void {
    if (error.code === 'pipeline_failure') {
      this.session.markFailed();
      this.deps.metrics.framesFailed.inc(this.labels);
      this.deps.log.error({ frame_index: frameIndex, detail: error.detail }, 'pipeline error');
      this.send(JSON.stringify({ frame_index: frameIndex, error: error.code, detail: error.detail }));
      this.maybeWarnSlowDown();
      return;
    }
    // invalid_frame here means the decoder refused a frame that passed the
    // validator: still the frame's fault, still 1007. Anything else is ours.
    if (error.code !== 'invalid_frame') this.deps.log.error({ frame_index: frameIndex, error: error.code, detail: error.detail }, 'stream frame failed');
    this.fail(error.code === 'invalid_frame' ? error : new FramewireError('internal_error', error.detail), frameIndex);
  }

  private maybeWarnSlowDown(): void {
    const warning = this.session.takeSlowDownWarning();
    if (!warning) return;
    this.deps.metrics.slowDownSent.inc(this.labels);
    this.deps.log.info({ ...warning }, 'slow_down sent');
    this.send(JSON.stringify({
      warning: 'slow_down',
      detail: `${Math.round(warning.drop_rate * 100)}% of your recent frames were dropped; send at most ${warning.suggested_fps} frames/s`,
      ...warning,
    }));
  }

  /**
   * Ends the session because of `error`: stops reading, lets the frames
   * already accepted be answered, then sends the error and closes with its
   * WebSocket code.
   */
  fail(error: FramewireError, frameIndex?: number): void {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.ws.pause();
    this.deps.metrics.framesRejected.inc({ ...this.labels, error: error.code });
    this.deps.log.info({ error: error.code, detail: error.detail, frame_index: frameIndex }, 'closing session on error');
    void this.deps.scheduler.drain(this).then(() => {
      const body = frameIndex === undefined ? { error: error.code, detail: error.detail } : { error: error.code, detail: error.detail, frame_index: frameIndex };
      this.send(JSON.stringify(body));
      this.close(error.wsCloseCode ?? 1011, error.code);
    });
  }

  /**
   * Graceful shutdown: stop reading, answer the waiting frame `dropped` with
   * cause shutdown, let the in-flight frame finish, close 1001.
   */
  async shutdown(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'closing';
      this.ws.pause();
    }
    await this.deps.scheduler.closeSession(this, 'shutdown');
    this.close(1001, 'server shutting down');
  }

  /** Closes with `code`; a peer that never completes the handshake is cut after a grace period. */
  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.ws.close(code, reason);
    const timer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    timer.unref();
    void this.closed.then(() => clearTimeout(timer));
  }

  private send(text: string): void {
    if (this.state === 'closed') return;
    this.ws.send(text);
    if (this.ws.bufferedAmount > this.deps.maxBufferedBytes && this.state === 'open') {
      // The peer is not reading: answering more would only grow our memory.
      this.state = 'closing';
      this.ws.pause();
      this.deps.metrics.framesRejected.inc({ ...this.labels, error: 'client_too_slow' });
      this.deps.log.warn({ buffered_bytes: this.ws.bufferedAmount }, 'client too slow; closing');
      void this.deps.scheduler.closeSession(this);
      this.ws.send(JSON.stringify({ error: 'client_too_slow', detail: `more than ${this.deps.maxBufferedBytes} bytes of answers unread` }));
      this.close(1008, 'client_too_slow');
    }
  }
}
