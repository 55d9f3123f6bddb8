/**
 * The one scheduler in front of the engine (Phase 17's "backpressure"): it
 * keeps at most `capacity` frames inside the engine, sized to the worker
 * slots, and is the only in-flight counter. Frames wait in lanes, never in a
 * queue behind the engine:
 *   - each stream session is a lane that holds at most its latest frame (the
 *     session decides what it offers: see stream-service.ts);
 *   - HTTP requests share one FIFO lane.
 * When a slot is free the scheduler asks the next ready lane for a frame
 * (pull: a lane can still supersede or drop its frame until that moment).
 *
 * The order is start-time fair queuing (Goyal, Vin and Cheng, 1996) with one
 * unit of cost per frame: round-robin for lanes that stay busy, so a fast
 * sender or a burst of HTTP requests gets one turn per round like every other
 * lane; but a lane that was idle and wakes joins the current round, ahead of
 * the lanes that already had their turn in it. Plain round-robin queued it
 * behind them: a paced stream whose frame arrived during a REST burst waited
 * for the HTTP lane's next turn as well, two frames' work instead of one.
 * Within a round the freshest frame goes first. Every lane still gets its
 * one turn; a stream frame passed over meanwhile is superseded by a newer
 * one, or runs later in the round. Under overload this answers frames
 * younger: latest-wins applied across sessions as well as within one.
 * Pure: the engine call is injected (and frame times come from the lanes).
 */
import { FramewireError, toFramewireError } from '../../errors';
import type { FrameOutcome, FrameOverrides } from '../pipeline';

/** Runs one frame on the engine; errors come back as values. */
export type RunFrame = (pipelineId: string, bytes: Buffer, overrides?: FrameOverrides) => Promise<FrameOutcome>;

/** A frame a lane hands over, and where its outcome goes. */
export interface LaneFrame {
  readonly pipelineId: string;
  readonly bytes: Buffer;
  /** The request's min_score / classes, if it gave any. */
  readonly overrides?: FrameOverrides;
  done(outcome: FrameOutcome): void;
}

/** Something that has frames to run: asked only when a slot is free and only after it called `wake`. */
export interface Lane {
  /** The frame to run now, or undefined (nothing worth running: the lane wakes the scheduler again later). */
  take(): LaneFrame | undefined;
  /**
   * When the frame `take` would hand over now was received (the session's clock), if the lane knows. Among lanes
   * of the same round the freshest frame goes first; lanes that do not say go after them, in wake order.
   */
  heldSince?(): number | undefined;
}

/** The scheduler's bounds on HTTP requests; each unbounded when left out. */
export interface SchedulerLimits {
  /**
   * HTTP requests that may wait in their lane; one more is refused at once with server_busy, so a burst
   * cannot hold unbounded memory (each waiting request holds its body).
   */
  readonly maxQueuedRequests?: number;
  /**
   * How long an HTTP request may wait for its turn; then it is answered server_busy and leaves the lane. The
   * HTTP lane gets one turn per round, so with many busy streams a queued request could otherwise wait
   * minutes, its client long gone.
   */
  readonly maxQueueWaitMs?: number;
  /**
   * Slots HTTP frames may hold at once while a stream lane is open (FRAMEWIRE_HTTP_MAX_SLOTS; default
   * `capacity`). Below `capacity`, once the HTTP frames that were running when the first lane opened have
   * finished, a slot is always left to the streams: a stream frame never waits behind an HTTP frame. The HTTP
   * lane is passed over, not dropped, while it is at the cap; it keeps its place in the round. With no stream
   * lane open there is nothing to protect, and HTTP may use every slot.
   */
  readonly maxHttpSlots?: number;
}

/** A place in the HTTP lane, held while a request's body is read (FrameScheduler.reserve). */
export interface RequestPlace {
  /** Queues the request in the place held; it then waits its turn as FrameScheduler.request's do. */
  request(pipelineId: string, bytes: Buffer, overrides?: FrameOverrides): Promise<FrameOutcome>;
  /** Gives the place back unused (the body failed, or the client left). Safe to call more than once, or after request. */
  release(): void;
}

interface Request {
  readonly pipelineId: string;
  readonly bytes: Buffer;
  readonly overrides: FrameOverrides | undefined;
  readonly resolve: (outcome: FrameOutcome) => void;
  /** Answers server_busy if the request is still waiting at maxQueueWaitMs. */
  expiry?: NodeJS.Timeout;
}

export class FrameScheduler {
  /**
   * Lanes with a frame to offer, each with its start tag: the round its next frame belongs to. The next turn
   * goes to the smallest tag, the lane that woke first among equals (a Map keeps insertion order; a lane is in
   * it once).
   */
  private readonly ready = new Map<Lane, number>();
  /** The round after each lane's last turn (its finish tag); weak, so a lane never removed is not kept alive. */
  private readonly nextRound = new WeakMap<Lane, number>();
  /** The start tag of the frame started last: the current round. */
  private round = 0;
  private running = 0;
  /** Of `running`, the frames from the HTTP lane (held to maxHttpSlots). */
  private runningRequests = 0;
  /** HTTP requests admitted whose body is still being read: they count against maxQueuedRequests. */
  private placesHeld = 0;
  private pumping = false;
  private readonly requests: Request[] = [];
  private readonly requestLane: Lane = {
    take: () => {
      const request = this.requests.shift();
      if (!request) return undefined;
      clearTimeout(request.expiry);
      if (this.requests.length > 0) this.enter(this.requestLane); // ready again at once: see pump
      return { pipelineId: request.pipelineId, bytes: request.bytes, overrides: request.overrides, done: request.resolve };
    },
  };

  /**
   * @param capacity frames inside the engine at once: the worker slots. More would only queue inside the
   *   engine, where a frame can no longer be superseded and only ages.
   */
  constructor(
    readonly capacity: number,
    private readonly runFrame: RunFrame,
    limits: SchedulerLimits = {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.maxQueuedRequests = limits.maxQueuedRequests ?? Infinity;
    this.maxQueueWaitMs = limits.maxQueueWaitMs ?? Infinity;
    this.maxHttpSlots = limits.maxHttpSlots ?? capacity;
    if (!Number.isInteger(this.maxHttpSlots) || this.maxHttpSlots < 1 || this.maxHttpSlots > capacity) throw new RangeError(`maxHttpSlots must be an integer from 1 to capacity (${capacity}), got ${this.maxHttpSlots}`);
  }

  readonly maxQueuedRequests: number;
  readonly maxQueueWaitMs: number;
  readonly maxHttpSlots: number;
  /** Stream lanes opened and not yet removed: while there are any, the HTTP slot cap applies. */
  private readonly openLanes = new WeakSet<Lane>();
  private openLaneCount = 0;

  /** The lane has a frame to offer: it gets a turn (once, however often it calls). */
  wake(lane: Lane): void {
    this.enter(lane);
    this.pump();
  }

  /** A stream session's lane exists (it may wake later): from now on, until `remove`, the HTTP slot cap applies. */
  open(lane: Lane): void {
    if (this.openLanes.has(lane)) return;
    this.openLanes.add(lane);
    this.openLaneCount += 1;
  }

  /** Forgets a lane and its turn (a closed session). Safe to call more than once. */
  remove(lane: Lane): void {
    this.ready.delete(lane);
    this.nextRound.delete(lane);
    if (this.openLanes.delete(lane)) {
      this.openLaneCount -= 1;
      this.pump(); // the last lane gone lifts the HTTP slot cap: waiting requests may take the free slots now
    }
  }

  /** Stream lanes open (opened and not removed). */
  get openStreamLanes(): number {
    return this.openLaneCount;
  }

  /** Puts a lane in line: in the current round, unless it already had its turn in it (then the next one). */
  private enter(lane: Lane): void {
    if (!this.ready.has(lane)) this.ready.set(lane, Math.max(this.round, this.nextRound.get(lane) ?? 0));
  }

  /**
   * The ready lane whose turn it is: the smallest start tag; among equals the freshest frame, then the earliest
   * to wake (a lane that does not say when its frame arrived counts as older than any that does). The HTTP
   * lane is skipped while its frames hold maxHttpSlots; undefined when no lane may run now.
   */
  private nextLane(): [Lane, number] | undefined {
    let best: [Lane, number] | undefined;
    let bestSince = -Infinity;
    for (const entry of this.ready) {
      if (entry[0] === this.requestLane && this.runningRequests >= this.maxHttpSlots && this.openLaneCount > 0) continue;
      const since = entry[0].heldSince?.() ?? -Infinity;
      if (!best || entry[1] < best[1] || (entry[1] === best[1] && since > bestSince)) {
        best = entry;
        bestSince = since;
      }
    }
    return best;
  }

  /**
   * Holds a place in the HTTP lane before the request's body is read, or says server_busy when the lane
   * (requests waiting plus places held) is full. Refusing at the headers means a burst beyond the lane is
   * never read, parsed or held in memory: its bodies would cost the event loop, and so the streams, time.
   */
  reserve(): RequestPlace | FramewireError {
    if (this.requests.length + this.placesHeld >= this.maxQueuedRequests) {
      return new FramewireError('server_busy', `${this.requests.length + this.placesHeld} HTTP requests are already waiting for a slot; retry shortly`);
    }
    this.placesHeld += 1;
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.placesHeld -= 1;
    };
    return {
      request: (pipelineId, bytes, overrides) => {
        release();
        return this.enqueue(pipelineId, bytes, overrides);
      },
      release,
    };
  }

  /**
   * An HTTP request: waits its turn in the shared FIFO lane, then runs; refused at once when the lane is full,
   * or answered server_busy when its wait passes maxQueueWaitMs. Never rejects.
   */
  request(pipelineId: string, bytes: Buffer, overrides?: FrameOverrides): Promise<FrameOutcome> {
    const place = this.reserve();
    return place instanceof FramewireError ? Promise.resolve(place) : place.request(pipelineId, bytes, overrides);
  }

  private enqueue(pipelineId: string, bytes: Buffer, overrides: FrameOverrides | undefined): Promise<FrameOutcome> {
    return new Promise((resolve) => {
      const request: Request = { pipelineId, bytes, overrides, resolve };
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

  /** Of inFlight, the frames of HTTP requests. */
  get inFlightRequests(): number {
    return this.runningRequests;
  }

  /** HTTP requests waiting for their turn (stream frames wait in their session: see StreamService.waiting). */
  get queuedRequests(): number {
    return this.requests.length;
  }

  /** Places in the HTTP lane held by requests whose bodies are still being read (reserve() until request/release). */
  get heldPlaces(): number {
    return this.placesHeld;
  }

  private pump(): void {
    if (this.pumping) return; // a lane woke from inside take() or done(): the loop below sees it
    this.pumping = true;
    try {
      while (this.running < this.capacity && this.ready.size > 0) {
        const next = this.nextLane();
        // Only the HTTP lane is ready, and it is at maxHttpSlots: a finishing frame pumps again, and so do a
        // stream's wake and the last lane's remove (the cap lifted).
        if (!next) break;
        const [lane, start] = next;
        this.ready.delete(lane);
        const frame = lane.take();
        if (!frame) continue; // nothing worth running after all: the lane wakes again when it has a frame
        this.round = start;
        this.nextRound.set(lane, start + 1);
        // A lane ready again from inside its own take (the HTTP lane while requests wait) had its turn in this
        // round: it goes in line for the next one, behind the lanes already there.
        if (this.ready.delete(lane)) this.ready.set(lane, start + 1);
        this.start(frame, lane === this.requestLane);
      }
    } finally {
      this.pumping = false;
    }
  }

  private start(frame: LaneFrame, fromRequestLane: boolean): void {
    this.running += 1;
    if (fromRequestLane) this.runningRequests += 1;
    const finish = (outcome: FrameOutcome): void => {
      this.running -= 1;
      if (fromRequestLane) this.runningRequests -= 1;
      // Refill the slot before delivering: the answer's send must not delay the next frame.
      this.pump();
      frame.done(outcome);
    };
    // runFrame returns errors as values; a rejection is a fault of ours, answered as internal_error.
    this.runFrame(frame.pipelineId, frame.bytes, frame.overrides).then(finish, (err: unknown) => finish(toFramewireError(err)));
  }
}
