/**
 * Phase 17's session manager, per session: a stream's state in one object
 * (its counters, its waiting and in-flight frame, its lifecycle, its
 * slow-down policy). StreamService (stream-service.ts) owns the sessions and
 * is the only code that changes them. Pure TypeScript: no addon, no sockets,
 * time from an injected clock, so the policy is unit-tested alone.
 */
import type { FramewireError } from '../../errors';
import type { DropCause } from '../../protocol/messages';
import type { SessionTracker } from '../tracking';

/** Milliseconds from a monotonic source (performance.now in production). */
export type Clock = () => number;

export type { DropCause };
export type BackpressureState = 'normal' | 'dropping' | 'slow_down';

export interface SessionPolicy {
  /** A waiting frame older than this when its turn comes is dropped as stale, ms. */
  readonly maxFrameAgeMs: number;
  /** Outcomes (processed, failed or dropped frames) the drop rate is computed over. */
  readonly slowDownWindow: number;
  /** Drop rate over the window above which the client is told to slow down, 0..1. */
  readonly slowDownDropRate: number;
  /** At most one slow_down warning per session per this many ms. */
  readonly slowDownIntervalMs: number;
}

export interface SlowDownWarning {
  readonly drop_rate: number;
  readonly suggested_fps: number;
}

/** A validated frame waiting for its turn. */
export interface PendingFrame {
  readonly index: number;
  readonly bytes: Buffer;
  /** Clock time the message arrived, ms. */
  readonly receivedAt: number;
}

/**
 * open: reading frames. closing: no new frames; the accepted ones are being
 * answered, then the session ends. ended: the end was sent (or the peer is
 * gone); only an in-flight frame may still finish, unseen.
 */
export type SessionState = 'open' | 'closing' | 'ended';

/** Why and how a closing session ends, once its accepted frames are answered. */
export interface SessionEnd {
  /** WebSocket close code. */
  readonly code: number;
  readonly reason: string;
  /** The error sent as the last message, if the session ends on one. */
  readonly error?: FramewireError;
  /** The frame that caused it, when one did. */
  readonly frameIndex?: number;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

export class StreamSession {
  state: SessionState = 'open';
  /** Set when the session starts closing; sent once nothing is in flight or waiting. */
  end: SessionEnd | undefined;
  /** The latest accepted frame not yet started (latest frame wins). */
  waiting: PendingFrame | undefined;
  /** A frame is inside the engine. At most one per session. */
  inFlight = false;
  /** The session's tracks, zones, lines and counts while tracking is on (`&track=true` or a configure). */
  tracker: SessionTracker | undefined;

  /** Index the next binary message gets: 0-based, counting every frame received. */
  private nextIndex = 0;
  readonly droppedFrames: Record<DropCause, number> = { superseded: 0, stale: 0, shutdown: 0 };
  processedFrames = 0;
  failedFrames = 0;
  readonly startedAt: number;

  // The slow-down window: the last `slowDownWindow` outcomes in a ring, with running counts.
  private readonly outcomeDropped: boolean[] = [];
  private readonly outcomeAt: number[] = [];
  private outcomeNext = 0;
  private droppedInWindow = 0;
  private readonly processingTimes: number[] = [];
  private processingSum = 0;
  private lastSlowDownAt = -Infinity;

  constructor(
    readonly sessionId: string,
    readonly pipelineId: string,
    private readonly clock: Clock,
    private readonly policy: SessionPolicy,
  ) {
    this.startedAt = clock();
  }

  /** Assigns the next frame index to a frame just received. */
  nextFrameIndex(): number {
    return this.nextIndex++;
  }

  get receivedFrames(): number {
    return this.nextIndex;
  }

  get totalDropped(): number {
    return this.droppedFrames.superseded + this.droppedFrames.stale + this.droppedFrames.shutdown;
  }

  /** Nothing waiting and nothing in flight: every accepted frame is answered. */
  get idle(): boolean {
    return !this.inFlight && this.waiting === undefined;
  }

  markDrop(cause: DropCause): void {
    this.droppedFrames[cause] += 1;
    this.record(true);
  }

  /** A frame the engine answered with a result, after `ms` of engine time. */
  markProcessed(ms: number): void {
    this.processedFrames += 1;
    this.processingTimes.push(ms);
    this.processingSum += ms;
    if (this.processingTimes.length > this.policy.slowDownWindow) this.processingSum -= this.processingTimes.shift() as number;
    this.record(false);
  }

  /** A frame the engine answered with pipeline_failure: completed, not dropped. */
  markFailed(): void {
    this.failedFrames += 1;
    this.record(false);
  }

  /** True when a frame received at `receivedAt` is too old to be worth running now. */
  isStale(receivedAt: number): boolean {
    return this.clock() - receivedAt > this.policy.maxFrameAgeMs;
  }

  /** Dropped share of the last `slowDownWindow` outcomes (0 with none yet). */
  dropRate(): number {
    const n = this.outcomeDropped.length;
    return n === 0 ? 0 : this.droppedInWindow / n;
  }

  /** Mean engine time of the recent processed frames, ms. */
  meanProcessingMs(): number {
    return this.processingTimes.length === 0 ? 0 : this.processingSum / this.processingTimes.length;
  }

  get backpressureState(): BackpressureState {
    if (this.outcomeDropped.length >= this.policy.slowDownWindow && this.dropRate() > this.policy.slowDownDropRate) return 'slow_down';
    return this.droppedInWindow > 0 ? 'dropping' : 'normal';
  }

  /**
   * The warning to send now, or undefined: only with a full window whose drop
   * rate exceeds the threshold, at most once per interval, and once at least
   * one frame in the window completed (without one there is no rate to suggest).
   */
  takeSlowDownWarning(): SlowDownWarning | undefined {
    if (this.backpressureState !== 'slow_down') return undefined;
    const now = this.clock();
    if (now - this.lastSlowDownAt < this.policy.slowDownIntervalMs) return undefined;
    const fps = this.completionRate();
    if (fps === undefined) return undefined;
    this.lastSlowDownAt = now;
    return { drop_rate: round(this.dropRate(), 2), suggested_fps: round(fps, 1) };
  }

  /**
   * Frames per second this session is actually completing at: from the spacing
   * of its completions in the window, never above one frame per mean
   * processing time (a session has at most one frame in flight). A burst makes
   * the window's time span meaningless, so the span is not used.
   */
  completionRate(): number | undefined {
    const completions: number[] = [];
    const n = this.outcomeDropped.length;
    for (let k = 0; k < n; k++) {
      const i = (this.outcomeNext + k) % n; // oldest first
      if (!this.outcomeDropped[i]) completions.push(this.outcomeAt[i]);
    }
    const mean = this.meanProcessingMs();
    const ceiling = mean > 0 ? 1000 / mean : Infinity;
    if (completions.length >= 2) {
      const spanMs = completions[completions.length - 1] - completions[0];
      if (spanMs > 0) return Math.min(ceiling, ((completions.length - 1) * 1000) / spanMs);
    }
    return completions.length > 0 && Number.isFinite(ceiling) ? ceiling : undefined;
  }

  private record(dropped: boolean): void {
    const at = this.clock();
    if (this.outcomeDropped.length < this.policy.slowDownWindow) {
      this.outcomeDropped.push(dropped);
      this.outcomeAt.push(at);
      this.outcomeNext = this.outcomeDropped.length % this.policy.slowDownWindow;
    } else {
      if (this.outcomeDropped[this.outcomeNext]) this.droppedInWindow -= 1;
      this.outcomeDropped[this.outcomeNext] = dropped;
      this.outcomeAt[this.outcomeNext] = at;
      this.outcomeNext = (this.outcomeNext + 1) % this.policy.slowDownWindow;
    }
    if (dropped) this.droppedInWindow += 1;
  }
}
