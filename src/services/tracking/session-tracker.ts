/**
 * One stream session's tracking: the ByteTrack-style tracker, the zones and lines over its confirmed tracks,
 * and how a frame's result is annotated with track ids, events and counts. StreamSession owns one of these
 * while tracking is on. Pure: the frame's arrival time is passed in.
 */
import { FACE_LABEL } from '../../protocol';
import { ByteTracker, type TrackerDetection, type TrackerPolicy } from './byte-tracker';
import type { Rect } from './geometry';
import { ZonesAndLines, type SceneCounts, type SceneEvent, type SceneLayout, type ScenePolicy } from './zones-and-lines';

export type TrackingPolicy = TrackerPolicy & ScenePolicy;

/** The parts of a result the tracker reads and writes (the public schema's detections and faces). */
interface AnnotatableResult {
  detections?: { label: string; score: number; box: Rect; track_id?: number }[];
  faces?: { score: number; box: Rect; track_id?: number }[];
  events?: SceneEvent[];
  counts?: SceneCounts;
}

export class SessionTracker {
  private readonly tracker: ByteTracker;
  private readonly scene: ZonesAndLines;

  constructor(policy: TrackingPolicy) {
    this.tracker = new ByteTracker(policy);
    this.scene = new ZonesAndLines(policy);
  }

  /** Confirmed tracks alive now (tracked or lost). */
  get activeTracks(): number {
    return this.tracker.confirmedCount;
  }

  /** Replaces the zones and lines (their counts start over); tracks and ids carry on. */
  setLayout(layout: SceneLayout): void {
    this.scene.setLayout(layout);
  }

  /** Clears tracks, events and counts; the zones and lines stay, ids keep counting up. */
  reset(): void {
    this.tracker.reset();
    this.scene.reset();
  }

  /**
   * Tracks a frame's result, received at `t` ms: adds `track_id` to every detection (and face) of a confirmed
   * track, `events`, and `counts` when zones or lines are set. Mutates and returns `result`.
   */
  annotate<R extends AnnotatableResult>(result: R, t: number): R & { events: SceneEvent[] } {
    const items: { label: string; score: number; box: Rect; track_id?: number }[] = [];
    for (const d of result.detections ?? []) items.push(d);
    const faces = result.faces ?? [];
    const inputs: TrackerDetection[] = items.map((d) => ({ label: d.label, score: d.score, box: d.box }));
    for (const f of faces) inputs.push({ label: FACE_LABEL, score: f.score, box: f.box });
    const update = this.tracker.update(inputs, t);
    update.ids.forEach((id, i) => {
      if (id === undefined) return;
      if (i < items.length) items[i].track_id = id;
      else faces[i - items.length].track_id = id;
    });
    const events = this.scene.update(update.seen, update.removed, t);
    const annotated = Object.assign(result, { events });
    if (this.scene.configured) annotated.counts = this.scene.counts();
    return annotated;
  }
}
