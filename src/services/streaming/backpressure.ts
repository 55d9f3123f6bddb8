/**
 * The one scheduler in front of the engine (Phase 17's "backpressure"): it
 * keeps at most `capacity` frames inside the engine, sized to the worker
 * slots, and is the only in-flight counter. Frames wait in lanes, never in a
 * queue behind the engine:
 *   - each stream session is a lane that holds at most its latest frame (the
 *     session decides what it offers: see stream-service.ts);
 *   - HTTP requests share one FIFO lane.
 * When a slot is free the scheduler asks the next ready lane, round-robin,
 * for a frame (pull: a lane can still supersede or drop its frame until that
 * moment), so a fast sender or a burst of HTTP requests gets one turn per
 * round, like every other lane. Pure: the engine call is injected.
 */
import { FramewireError, toFramewireError } from '../../errors';
import type { FrameOutcome } from '../pipeline';

/** Runs one frame on the engine; errors come back as values. */
export type RunFrame = (pipelineId: string, bytes: Buffer) => Promise<FrameOutcome>;

/** A frame a lane hands over, and where its outcome goes. */
export interface LaneFrame {
  readonly pipelineId: string;
  readonly bytes: Buffer;
  done(outcome: FrameOutcome): void;
}

/** Something that has frames to run: asked only when a slot is free and only after it called `wake`. */
export interface Lane {
  /** The frame to run now, or undefined (nothing worth running: the lane wakes the scheduler again later). */
  take(): LaneFrame | undefined;
}

interface Request {
  readonly pipelineId: string;
  readonly bytes: Buffer;
  readonly resolve: (outcome: FrameOutcome) => void;
  /** Answers server_busy if the request is still waiting at maxQueueWaitMs. */
  expiry?: NodeJS.Timeout;
}

export class FrameScheduler {
  /** Lanes with a frame to offer, in turn order (a Set keeps insertion order; a lane is in it once). */
  private readonly ready = new Set<Lane>();
  private running = 0;
  private pumping = false;
  private readonly requests: Request[] = [];
  private readonly requestLane: Lane = {
    take: () => {
      const request = this.requests.shift();
      if (!request) return undefined;
      clearTimeout(request.expiry);
      if (this.requests.length > 0) this.ready.add(this.requestLane); // its next turn comes after the others'
      return { pipelineId: request.pipelineId, bytes: request.bytes, done: request.resolve };
    },
  };

  /**
   * @param capacity frames inside the engine at once: the worker slots. More would only queue inside the
   *   engine, where a frame can no longer be superseded and only ages.
   * @param maxQueuedRequests HTTP requests that may wait in their lane; one more is refused at once with
   *   server_busy, so a burst cannot hold unbounded memory (each waiting request holds its body).
   * @param maxQueueWaitMs how long an HTTP request may wait for its turn; then it is answered server_busy
   *   and leaves the lane. The HTTP lane gets one turn per round, so with many busy streams a queued request
   *   could otherwise wait minutes, its client long gone.
   */
  constructor(
    readonly capacity: number,
    private readonly runFrame: RunFrame,
    readonly maxQueuedRequests = Infinity,
    readonly maxQueueWaitMs = Infinity,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** The lane has a frame to offer: it gets a turn (once, however often it calls). */
  wake(lane: Lane): void {
    this.ready.add(lane);
    this.pump();
  }

  /** Forgets a lane's turn (a closed session). */
  remove(lane: Lane): void {
    this.ready.delete(lane);
  }

  /**
   * An HTTP request: waits its turn in the shared FIFO lane, then runs; refused at once when the lane is full,
   * or answered server_busy when its wait passes maxQueueWaitMs. Never rejects.
   */
  request(pipelineId: string, bytes: Buffer): Promise<FrameOutcome> {
    if (this.requests.length >= this.maxQueuedRequests) {
      return Promise.resolve(new FramewireError('server_busy', `${this.requests.length} HTTP requests are already waiting for a slot; retry shortly`));
    }
    return new Promise((resolve) => {
      const request: Request = { pipelineId, bytes, resolve };
      if (Number.isFinite(this.maxQueueWaitMs)) {
        request.expiry = setTimeout(() => {
          const at = this.requests.indexOf(request);
          if (at < 0) return;
          this.requests.splice(at, 1);
          resolve(new FramewireError('server_busy', `no slot within ${this.maxQueueWaitMs} ms; retry shortly`));
        }, this.maxQueueWaitMs);
      }
      this.requests.push(request);
      this.wake(this.requestLane);
    });
  }

  /** Frames inside the engine now. */
  get inFlight(): number {
    return this.running;
  }

  /** Lanes waiting for a turn (a closed session's lane must not linger here). */
  get readyLanes(): number {
    return this.ready.size;
  }

  /** HTTP requests waiting for their turn (stream frames wait in their session: see StreamService.waiting). */
  get queuedRequests(): number {
    return this.requests.length;
  }

  private pump(): void {
    if (this.pumping) return; // a lane woke from inside take() or done(): the loop below sees it
    this.pumping = true;
    try {
      while (this.running < this.capacity && this.ready.size > 0) {
        const lane = this.ready.values().next().value as Lane;
        this.ready.delete(lane);
        const frame = lane.take();
        if (frame) this.start(frame);
      }
    } finally {
      this.pumping = false;
    }
  }

  private start(frame: LaneFrame): void {
    this.running += 1;
    const finish = (outcome: FrameOutcome): void => {
      this.running -= 1;
      // Refill the slot before delivering: the answer's send must not delay the next frame.
      this.pump();
      frame.done(outcome);
    };
    // runFrame returns errors as values; a rejection is a fault of ours, answered as internal_error.
    this.runFrame(frame.pipelineId, frame.bytes).then(finish, (err: unknown) => finish(toFramewireError(err)));
  }
}
