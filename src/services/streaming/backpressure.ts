/**
 * The streaming scheduler: per session at most one frame in flight and at most
 * one waiting; a newer frame supersedes the waiting one (the latest frame
 * wins, so a live stream never builds a queue); sessions with a waiting frame
 * are served round-robin whenever the engine has a free slot, so a fast sender
 * cannot starve the others; a waiting frame that is too old when its turn
 * comes is dropped as stale. Pure: the engine, the answers and the staleness
 * test (which holds the clock) are injected.
 */
import type { DropCause } from './session-manager';

export interface PendingFrame {
  readonly index: number;
  readonly bytes: Buffer;
  /** Clock time the message arrived, ms. */
  readonly receivedAt: number;
}

export interface SchedulerHooks<S> {
  /** True when the engine can take one more frame right now. */
  hasCapacity(): boolean;
  /** Runs the frame and answers it; must not reject. */
  run(session: S, frame: PendingFrame): Promise<void>;
  /** Answers the frame as dropped. */
  drop(session: S, frame: PendingFrame, cause: DropCause): void;
  /** Whether a frame received at `receivedAt` is too old to run. */
  isStale(session: S, receivedAt: number): boolean;
}

interface Lane {
  waiting: PendingFrame | undefined;
  inFlight: boolean;
  closed: boolean;
  /** Settles when the in-flight frame (if any) is answered. */
  idle: Promise<void>;
  /** Resolved, and cleared, once nothing is in flight or waiting. */
  drainWaiters: (() => void)[];
}

export class FrameScheduler<S> {
  private readonly lanes = new Map<S, Lane>();
  /** Sessions with a waiting frame and nothing in flight, in turn order. */
  private readonly ready: S[] = [];
  private inFlightCount = 0;

  constructor(private readonly hooks: SchedulerHooks<S>) {}

  addSession(session: S): void {
    this.lanes.set(session, { waiting: undefined, inFlight: false, closed: false, idle: Promise.resolve(), drainWaiters: [] });
  }

  /** Accepts a validated frame for the session; supersedes its waiting frame. */
  offer(session: S, frame: PendingFrame): void {
    const lane = this.lanes.get(session);
    if (!lane || lane.closed) return;
    const previous = lane.waiting;
    lane.waiting = frame;
    if (previous) this.hooks.drop(session, previous, 'superseded');
    else if (!lane.inFlight) this.ready.push(session);
    this.pump();
  }

  /** Dispatches waiting frames, one session at a time in turn, while the engine has capacity. */
  pump(): void {
    while (this.ready.length > 0 && this.hooks.hasCapacity()) {
      const session = this.ready.shift() as S;
      const lane = this.lanes.get(session);
      const frame = lane?.waiting;
      if (!lane || !frame || lane.inFlight) continue;
      lane.waiting = undefined;
      if (this.hooks.isStale(session, frame.receivedAt)) {
        this.hooks.drop(session, frame, 'stale');
        this.settleDrain(lane);
        continue;
      }
      lane.inFlight = true;
      this.inFlightCount += 1;
      lane.idle = this.hooks.run(session, frame).finally(() => {
        lane.inFlight = false;
        this.inFlightCount -= 1;
        if (lane.waiting && !lane.closed) this.ready.push(session);
        this.settleDrain(lane);
        this.pump();
      });
    }
  }

  /**
   * Resolves once the session has nothing in flight and nothing waiting: its
   * accepted frames all answered the normal way. The caller stops offering
   * frames first (a session closing on a bad input still answers the frames
   * it accepted before it).
   */
  drain(session: S): Promise<void> {
    const lane = this.lanes.get(session);
    if (!lane || (!lane.inFlight && !lane.waiting)) return Promise.resolve();
    return new Promise((resolve) => lane.drainWaiters.push(resolve));
  }

  private settleDrain(lane: Lane): void {
    if (lane.inFlight || lane.waiting) return;
    for (const resolve of lane.drainWaiters.splice(0)) resolve();
  }

  /**
   * Closes the session's lane: its waiting frame is dropped with `cause` (or
   * silently discarded when `cause` is undefined, e.g. the peer is gone).
   * Resolves when its in-flight frame, if any, has been answered.
   */
  closeSession(session: S, cause?: DropCause): Promise<void> {
    const lane = this.lanes.get(session);
    if (!lane) return Promise.resolve();
    lane.closed = true;
    const waiting = lane.waiting;
    lane.waiting = undefined;
    if (waiting && cause) this.hooks.drop(session, waiting, cause);
    this.settleDrain(lane);
    return lane.idle.then(() => {
      this.lanes.delete(session);
    });
  }

  /** Frames in the engine on behalf of streaming sessions. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** Frames waiting for their turn, one at most per session. */
  get waiting(): number {
    let count = 0;
    for (const lane of this.lanes.values()) if (lane.waiting) count += 1;
    return count;
  }

  get sessions(): number {
    return this.lanes.size;
  }
}
