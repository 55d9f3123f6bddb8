/**
 * The single gate in front of the native engine: at most `slots` frames run
 * at once (one per native worker slot, so no job ever blocks a libuv thread
 * waiting for a Net), the rest wait in FIFO order. The streaming scheduler
 * asks `hasFreeSlot()` before it submits, so live frames never queue here.
 */
export class InferenceLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly idleListeners: (() => void)[] = [];

  constructor(readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be a positive integer, got ${slots}`);
  }

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  hasFreeSlot(): boolean {
    return this.running < this.slots && this.waiting.length === 0;
  }

  /** Calls `listener` each time a slot frees up (after any queued job took it). */
  onSlotFreed(listener: () => void): void {
    this.idleListeners.push(listener);
  }

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();  // hand the slot straight over: running stays the same
      else {
        this.running -= 1;
        for (const listener of this.idleListeners) listener();
      }
    }
  }
}
