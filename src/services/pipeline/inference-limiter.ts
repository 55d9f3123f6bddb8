/**
 * The single gate in front of the native engine. It lets in at most
 * `capacity` frames: one running and `stagedPerSlot` staged for each of the
 * engine's `slots` (the engine's slot threads take a staged frame the moment
 * they finish one, instead of idling while the finished frame's answer goes
 * through the JS thread and the next frame comes back). Further callers wait
 * here in FIFO order. The streaming scheduler asks `hasCapacity()` before it
 * submits, so stream frames never queue here: they wait in their session.
 */
export class InferenceLimiter {
  readonly capacity: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly freedListeners: (() => void)[] = [];

  constructor(
    readonly slots: number,
    readonly stagedPerSlot = 1,
  ) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, got ${slots}`);
    if (!Number.isInteger(stagedPerSlot) || stagedPerSlot < 0) throw new RangeError(`stagedPerSlot must be a whole number, got ${stagedPerSlot}`);
    this.capacity = slots * (1 + stagedPerSlot);
  }

  /** Frames inside the engine (running or staged). */
  get inFlight(): number {
    return this.running;
  }

  /** Callers waiting for room (HTTP requests; streams never wait here). */
  get queued(): number {
    return this.waiting.length;
  }

  hasCapacity(): boolean {
    return this.running < this.capacity && this.waiting.length === 0;
  }

  /**
   * True when fewer frames are in the engine than it has slots: a frame sent
   * now starts at once instead of being staged. The streaming scheduler uses
   * this: a staged frame is committed and can no longer be superseded by a
   * fresher one, which under overload adds a frame time to every answer.
   */
  hasIdleSlot(): boolean {
    return this.running < this.slots && this.waiting.length === 0;
  }

  /** Calls `listener` each time room frees up and no queued caller took it. */
  onCapacityFreed(listener: () => void): void {
    this.freedListeners.push(listener);
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.capacity) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // hand the place straight over: running stays the same
      else {
        this.running -= 1;
        for (const listener of this.freedListeners) listener();
      }
    }
  }
}
