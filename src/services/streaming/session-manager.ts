/**
 * Per-connection streaming state and the slow-down policy. Pure TypeScript:
 * no addon, no sockets, time from an injected clock, so it is unit-tested alone.
 */
import { randomUUID } from 'node:crypto';

/** Milliseconds from a monotonic source (performance.now in production). */
export type Clock = () => number;

export type DropCause = 'superseded' | 'stale' | 'shutdown';
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

interface Outcome {
  readonly dropped: boolean;
  readonly at: number;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

export class StreamSession {
  /** Index the next binary message gets: 0-based, counting every frame received. */
  frameIndex = 0;
  readonly droppedFrames: Record<DropCause, number> = { superseded: 0, stale: 0, shutdown: 0 };
  processedFrames = 0;
  failedFrames = 0;
  lastProcessedTs: number | undefined;
  private readonly outcomes: Outcome[] = [];
  private readonly processingTimes: number[] = [];
  private lastSlowDownAt = -Infinity;
  readonly startedAt: number;

  constructor(
    readonly sessionId: string,
    readonly pipelineId: string,
    private readonly clock: Clock,
    private readonly policy: SessionPolicy,
  ) {
    this.startedAt = clock();
  }

  /** Assigns the next frame index to a frame just received. */
  incrementFrame(): number {
    return this.frameIndex++;
  }

  get receivedFrames(): number {
    return this.frameIndex;
  }

  get totalDropped(): number {
    return this.droppedFrames.superseded + this.droppedFrames.stale + this.droppedFrames.shutdown;
  }

  markDrop(cause: DropCause): void {
    this.droppedFrames[cause] += 1;
    this.record(true);
  }

  /** A frame the engine answered with a result. */
  recordProcessingTime(ms: number): void {
    this.processedFrames += 1;
    this.lastProcessedTs = this.clock();
    this.processingTimes.push(ms);
    if (this.processingTimes.length > this.policy.slowDownWindow) this.processingTimes.shift();
    this.record(false);
  }

  /** A frame the engine answered with pipeline_failure: completed, not dropped. */
  markFailed(): void {
    this.failedFrames += 1;
    this.record(false);
  }

  /** True when a frame received at `receivedAt` is too old to be worth running now. */
  shouldDropFrame(receivedAt: number): boolean {
    return this.clock() - receivedAt > this.policy.maxFrameAgeMs;
  }

  /** Dropped share of the last `slowDownWindow` outcomes (0 with none yet). */
  dropRate(): number {
    if (this.outcomes.length === 0) return 0;
    return this.outcomes.filter((o) => o.dropped).length / this.outcomes.length;
  }

  /** Mean engine time of the recent processed frames, ms. */
  meanProcessingMs(): number {
    if (this.processingTimes.length === 0) return 0;
    return this.processingTimes.reduce((a, b) => a + b, 0) / this.processingTimes.length;
  }

  get backpressureState(): BackpressureState {
    if (this.windowFull() && this.dropRate() > this.policy.slowDownDropRate) return 'slow_down';
    return this.outcomes.some((o) => o.dropped) ? 'dropping' : 'normal';
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
    const completions = this.outcomes.filter((o) => !o.dropped);
    const mean = this.meanProcessingMs();
    const ceiling = mean > 0 ? 1000 / mean : Infinity;
    if (completions.length >= 2) {
      const spanMs = completions[completions.length - 1].at - completions[0].at;
      if (spanMs > 0) return Math.min(ceiling, ((completions.length - 1) * 1000) / spanMs);
    }
    return completions.length > 0 && Number.isFinite(ceiling) ? ceiling : undefined;
  }

  private windowFull(): boolean {
    return this.outcomes.length >= this.policy.slowDownWindow;
  }

  private record(dropped: boolean): void {
    this.outcomes.push({ dropped, at: this.clock() });
    if (this.outcomes.length > this.policy.slowDownWindow) this.outcomes.shift();
  }
}

/** Owns the live sessions: creation with a UUIDv4, lookup, removal, count. */
export class SessionManager {
  private readonly sessions = new Map<string, StreamSession>();

  constructor(
    private readonly clock: Clock,
    readonly policy: SessionPolicy,
  ) {}

  create(pipelineId: string, sessionId: string = randomUUID()): StreamSession {
    const session = new StreamSession(sessionId, pipelineId, this.clock, this.policy);
    this.sessions.set(sessionId, session);
    return session;
  }

  get(sessionId: string): StreamSession | undefined {
    return this.sessions.get(sessionId);
  }

  destroy(sessionId: string): boolean {
    return this.sessions.delete(sessionId);
  }

  get count(): number {
    return this.sessions.size;
  }

  all(): StreamSession[] {
    return [...this.sessions.values()];
  }
}
