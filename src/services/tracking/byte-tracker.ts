/**
 * A ByteTrack-style multi-object tracker on frame arrival times.
 *
 * Per update (one frame's detections at time t):
 *  1. every track's Kalman filter predicts its box at t (the real time since its last update, so dropped
 *     frames only widen the step);
 *  2. high-score detections are matched to the tracked tracks (IoU >= 0.2), then the ones left to the lost
 *     tracks (IoU >= 0.2): a track seen in the last update chooses before one that has been coasting;
 *  3. low-score detections are matched to the confirmed, still-tracked tracks left over (IoU >= 0.5):
 *     ByteTrack's idea, an occluded person's weak detection keeps its track alive;
 *  4. tentative tracks (seen once or a few times, so with no velocity worth the name) take the remaining
 *     detections, high-score first, by the Mahalanobis distance of the centres under the filter's own
 *     uncertainty (which grows with the time gap: a new object in a stream sent at one frame in three moves a
 *     box width between updates, where IoU would be 0); a tentative track that reaches `confirmHits` updates is
 *     confirmed and gets its id; one that misses an update is discarded;
 *  5. the high-score detections still left start tentative tracks.
 * A confirmed track not matched is lost; lost for more than `keepMs` it is removed. Matching never crosses
 * classes, so an id always belongs to one label. Ids are per tracker, from 1, never reused (not even after
 * reset). Pure: no clock, no I/O; the caller passes each frame's time.
 */
import { assign } from './assignment';
import { iou, type Rect } from './geometry';
import { BoxKalman } from './kalman';

export interface TrackerPolicy {
  /** Detections scoring at least this take part in the first association and may start tracks, 0..1. */
  readonly highScore: number;
  /** Updates a new track needs (its first included) before it is confirmed and gets an id. */
  readonly confirmHits: number;
  /** A confirmed track not seen for longer than this is removed, ms. */
  readonly keepMs: number;
  /** Live tracks (tentative, tracked and lost) at most; beyond it no new track starts. */
  readonly maxTracks: number;
}

export interface TrackerDetection {
  readonly label: string;
  readonly score: number;
  readonly box: Rect;
}

export type TrackState = 'tentative' | 'tracked' | 'lost';

/** A confirmed track as the zone and line logic sees it after an update. */
export interface TrackView {
  readonly id: number;
  readonly label: string;
  /** The box of the detection it matched last (what the client was shown). */
  readonly box: Rect;
  /** Time it was last matched, ms. */
  readonly lastSeenMs: number;
}

export interface TrackerUpdate {
  /** Per input detection: the confirmed track id it belongs to, or undefined. */
  readonly ids: (number | undefined)[];
  /** Confirmed tracks matched in this update (confirmed now included), in input order. */
  readonly seen: TrackView[];
  /** Confirmed tracks removed in this update (lost for longer than keepMs). */
  readonly removed: TrackView[];
}

/** Minimum IoU per association step of confirmed tracks. */
const GATE_HIGH = 0.2;
const GATE_LOW = 0.5;
/** Tentative tracks: the chi-square 95% quantile with 2 degrees of freedom, as DeepSORT gates. */
const GATE_TENTATIVE_CHI2 = 5.99;

class Track {
  id = 0;
  hits = 1;
  state: TrackState = 'tentative';
  readonly kf: BoxKalman;
  /** Time the filter's state refers to, ms. */
  at: number;

  constructor(
    readonly label: string,
    public box: Rect,
    public lastSeenMs: number,
  ) {
    this.kf = new BoxKalman(box.x + box.width / 2, box.y + box.height / 2, box.width, box.height);
    this.at = lastSeenMs;
  }

  /** The box predicted at the current update's time (set by predictTo). */
  predicted: Rect = { x: 0, y: 0, width: 0, height: 0 };

  predictTo(t: number): void {
    this.kf.predict((t - this.at) / 1000, this.state === 'lost');
    this.at = Math.max(this.at, t);
    const { cx, cy, w, h } = this.kf;
    this.predicted = { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
  }

  /** Squared Mahalanobis distance of a box's centre from this track's predicted centre. */
  distance2(box: Rect): number {
    return this.kf.centreDistance2(box.x + box.width / 2, box.y + box.height / 2, box.width, box.height);
  }

  observe(box: Rect, t: number): void {
    this.kf.update(box.x + box.width / 2, box.y + box.height / 2, box.width, box.height);
    this.box = box;
    this.lastSeenMs = t;
    this.hits += 1;
  }

  get view(): TrackView {
    return { id: this.id, label: this.label, box: this.box, lastSeenMs: this.lastSeenMs };
  }
}

export class ByteTracker {
  private tracks: Track[] = [];
  private nextId = 1;

  constructor(private readonly policy: TrackerPolicy) {}

  /** Confirmed tracks alive (tracked or lost). */
  get confirmedCount(): number {
    let n = 0;
    for (const t of this.tracks) if (t.state !== 'tentative') n += 1;
    return n;
  }

  /** Forgets every track; ids keep counting up. */
  reset(): void {
    this.tracks = [];
  }

  update(detections: readonly TrackerDetection[], t: number): TrackerUpdate {
    const { highScore, confirmHits, keepMs, maxTracks } = this.policy;
    const ids: (number | undefined)[] = new Array(detections.length).fill(undefined);
    const matchedTo = new Array<Track | undefined>(detections.length).fill(undefined);
    for (const track of this.tracks) track.predictTo(t);

    const high: number[] = [];
    const low: number[] = [];
    detections.forEach((d, i) => (d.score >= highScore ? high : low).push(i));

    const overlap = (track: Track, i: number): number => (track.label === detections[i].label ? 1 - iou(track.predicted, detections[i].box) : Infinity);
    const distance = (track: Track, i: number): number => (track.label === detections[i].label ? track.distance2(detections[i].box) : Infinity);
    /** Matches `dets` to `pool` where cost <= maxCost; returns what is left of each. */
    const match = (pool: Track[], dets: number[], cost: (track: Track, i: number) => number, maxCost: number): { tracks: Track[]; dets: number[] } => {
      const a = assign(pool.length, dets.length, (r, c) => cost(pool[r], dets[c]), maxCost);
      for (const [r, c] of a.matches) {
        pool[r].observe(detections[dets[c]].box, t);
        matchedTo[dets[c]] = pool[r];
      }
      return { tracks: a.unmatchedRows.map((r) => pool[r]), dets: a.unmatchedColumns.map((c) => dets[c]) };
    };

    // 2. high-score detections against the tracked tracks first, then what is left against the lost ones:
    //    a lost track coasting on its last velocity must not take a detection that a track seen in the last
    //    update explains (DeepSORT's matching cascade: recently seen tracks choose first).
    const confirmed = this.tracks.filter((tr) => tr.state !== 'tentative');
    const firstTracked = match(confirmed.filter((tr) => tr.state === 'tracked'), high, overlap, 1 - GATE_HIGH);
    const first = match(confirmed.filter((tr) => tr.state === 'lost'), firstTracked.dets, overlap, 1 - GATE_HIGH);
    // 3. low-score detections against the leftover tracks that were still tracked.
    const second = match(firstTracked.tracks, low, overlap, 1 - GATE_LOW);
    const missed = new Set([...first.tracks, ...second.tracks]);
    for (const tr of confirmed) tr.state = missed.has(tr) ? 'lost' : 'tracked';
    // 4. tentative tracks take what is left, high-score detections first; a tentative track that misses is dropped.
    const tentative = this.tracks.filter((tr) => tr.state === 'tentative');
    const third = match(tentative, first.dets, distance, GATE_TENTATIVE_CHI2);
    const fourth = match(third.tracks, second.dets, distance, GATE_TENTATIVE_CHI2);
    const discarded = new Set(fourth.tracks);
    for (const tr of tentative) {
      if (discarded.has(tr) || tr.hits < confirmHits) continue;
      tr.state = 'tracked';
      tr.id = this.nextId++;
    }
    // Confirmed tracks lost for longer than keepMs go.
    const removed: TrackView[] = [];
    this.tracks = this.tracks.filter((tr) => {
      if (discarded.has(tr)) return false;
      if (tr.state === 'lost' && t - tr.lastSeenMs > keepMs) {
        removed.push(tr.view);
        return false;
      }
      return true;
    });
    // 5. the high-score detections still unmatched start tracks.
    for (const i of third.dets) {
      if (this.tracks.length >= maxTracks) break;
      const tr = new Track(detections[i].label, detections[i].box, t);
      if (confirmHits <= 1) {
        tr.state = 'tracked';
        tr.id = this.nextId++;
      }
      this.tracks.push(tr);
      matchedTo[i] = tr;
    }

    const seen: TrackView[] = [];
    matchedTo.forEach((tr, i) => {
      if (!tr || tr.state === 'tentative') return;
      ids[i] = tr.id;
      seen.push(tr.view);
    });
    return { ids, seen, removed };
  }
}
