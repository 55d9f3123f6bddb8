/**
 * Zones (polygons) and counting lines over confirmed tracks: entries, exits, dwell, occupancy and line
 * crossings, with the hysteresis that keeps a jittering box from counting twice. Pure; times come from the
 * caller (the frames' arrival times, ms).
 *
 * - Anchor: a box's bottom centre.
 * - Zones: a track is in a zone once its anchor has been inside for `zoneInertia` consecutive updates, and out
 *   once outside for as many (Frigate's "inertia"). Every track starts outside. Dwell runs from the first of the
 *   inside updates to the first of the outside ones. A track removed while in a zone exits it then, its dwell
 *   ending when it was last seen.
 * - Lines: the side of the directed line from `from` to `to` is the sign of (T-F) x (P-F); "in" is a move from
 *   the negative to the positive side. A crossing counts when the anchor's path between two updates crosses the
 *   segment itself (not the line beyond its ends) and the anchor then stays on the new side, farther from the
 *   line than `lineMargin` times the box's height, for `lineConfirmUpdates` consecutive updates (positions
 *   within the margin count for neither side). Each track counts at most once per direction per line, so a
 *   box jittering on the line counts at most one "in" and one "out".
 */
import { anchorOf, insidePolygon, segmentsIntersect, type Point } from './geometry';
import type { TrackView } from './byte-tracker';
import type { TrackCounts, TrackEvent } from '../../protocol/result';

export interface Zone {
  readonly id: string;
  readonly polygon: readonly Point[];
  /** Labels it watches; undefined: all. */
  readonly labels?: readonly string[];
}

export interface CountingLine {
  readonly id: string;
  readonly from: Point;
  readonly to: Point;
  readonly labels?: readonly string[];
}

export interface SceneLayout {
  readonly zones: readonly Zone[];
  readonly lines: readonly CountingLine[];
}

export interface ScenePolicy {
  /** Consecutive updates inside (outside) a zone before a track enters (exits) it. */
  readonly zoneInertia: number;
  /** Consecutive updates on a line's new side before a crossing counts. */
  readonly lineConfirmUpdates: number;
  /** Distance from a line, as a fraction of the box's height, within which an anchor is on neither side. */
  readonly lineMargin: number;
}

/**
 * A result's events, and its counts (per line: crossings since configure/reset, per direction and label; per
 * zone: tracks in it now, per label): the public schema's types (src/protocol), which the SDK reads too.
 */
export type SceneEvent = TrackEvent;
export type SceneCounts = TrackCounts;

interface ZoneState {
  inside: boolean;
  /** Consecutive updates on the other side so far, and when the first of them was. */
  streak: number;
  streakSince: number;
  enteredAt: number;
}

interface LineState {
  /** Settled side: 1, -1, or 0 until the track was first seen off the line. */
  side: number;
  /** Consecutive updates on the other side, and whether the path crossed the segment on the way there. */
  pending: number;
  crossed: boolean;
  counted: { in: boolean; out: boolean };
}

interface TrackGeometry {
  readonly label: string;
  anchor: Point | undefined;
  readonly zones: Map<string, ZoneState>;
  readonly lines: Map<string, LineState>;
}

/** Signed distance of p from the line through `from` and `to`, px: positive on the side sideOf calls positive. */
function signedDistance(line: CountingLine, p: Point): number {
  const dx = line.to[0] - line.from[0];
  const dy = line.to[1] - line.from[1];
  return (dx * (p[1] - line.from[1]) - dy * (p[0] - line.from[0])) / Math.hypot(dx, dy);
}

const watches = (labels: readonly string[] | undefined, label: string): boolean => labels === undefined || labels.includes(label);
const roundSeconds = (ms: number): number => Math.round(ms / 10) / 100;

export class ZonesAndLines {
  private layout: SceneLayout = { zones: [], lines: [] };
  private readonly tracks = new Map<number, TrackGeometry>();
  private lineCounts = new Map<string, { in: Record<string, number>; out: Record<string, number> }>();

  constructor(private readonly policy: ScenePolicy) {}

  get configured(): boolean {
    return this.layout.zones.length > 0 || this.layout.lines.length > 0;
  }

  /** Replaces the zones and lines; counts and every track's zone and line state start over. */
  setLayout(layout: SceneLayout): void {
    this.layout = layout;
    this.reset();
  }

  /** Clears counts and per-track state; the layout stays. */
  reset(): void {
    this.tracks.clear();
    this.lineCounts = new Map(this.layout.lines.map((l) => [l.id, { in: {}, out: {} }]));
  }

  /** Folds in one update's confirmed tracks (seen at `t`) and removed tracks; returns the events, in order. */
  update(seen: readonly TrackView[], removed: readonly TrackView[], t: number): SceneEvent[] {
    const events: SceneEvent[] = [];
    if (!this.configured) return events;
    for (const view of seen) {
      let geo = this.tracks.get(view.id);
      if (!geo) this.tracks.set(view.id, (geo = { label: view.label, anchor: undefined, zones: new Map(), lines: new Map() }));
      const anchor = anchorOf(view.box);
      for (const zone of this.layout.zones) if (watches(zone.labels, view.label)) this.zoneStep(zone, view.id, geo, anchor, t, events);
      for (const line of this.layout.lines) if (watches(line.labels, view.label)) this.lineStep(line, view.id, geo, anchor, view.box.height, events);
      geo.anchor = anchor;
    }
    for (const view of removed) {
      const geo = this.tracks.get(view.id);
      if (!geo) continue;
      for (const [zoneId, z] of geo.zones) {
        if (z.inside) events.push({ type: 'zone_exited', zone_id: zoneId, track_id: view.id, label: geo.label, dwell_s: roundSeconds(Math.max(0, view.lastSeenMs - z.enteredAt)) });
      }
      this.tracks.delete(view.id);
    }
    return events;
  }

  counts(): SceneCounts {
    const lines: SceneCounts['lines'] = {};
    for (const [id, c] of this.lineCounts) lines[id] = { in: { ...c.in }, out: { ...c.out } };
    const zones: SceneCounts['zones'] = {};
    for (const zone of this.layout.zones) zones[zone.id] = {};
    for (const geo of this.tracks.values()) {
      for (const [zoneId, z] of geo.zones) if (z.inside) zones[zoneId][geo.label] = (zones[zoneId][geo.label] ?? 0) + 1;
    }
    return { lines, zones };
  }

  private zoneStep(zone: Zone, trackId: number, geo: TrackGeometry, anchor: Point, t: number, events: SceneEvent[]): void {
    let z = geo.zones.get(zone.id);
    if (!z) geo.zones.set(zone.id, (z = { inside: false, streak: 0, streakSince: t, enteredAt: t }));
    if (insidePolygon(zone.polygon, anchor) === z.inside) {
      z.streak = 0;
      return;
    }
    if (z.streak === 0) z.streakSince = t;
    z.streak += 1;
    if (z.streak < this.policy.zoneInertia) return;
    z.streak = 0;
    z.inside = !z.inside;
    if (z.inside) {
      z.enteredAt = z.streakSince;
      events.push({ type: 'zone_entered', zone_id: zone.id, track_id: trackId, label: geo.label });
    } else {
      events.push({ type: 'zone_exited', zone_id: zone.id, track_id: trackId, label: geo.label, dwell_s: roundSeconds(z.streakSince - z.enteredAt) });
    }
  }

  private lineStep(line: CountingLine, trackId: number, geo: TrackGeometry, anchor: Point, boxHeight: number, events: SceneEvent[]): void {
    let l = geo.lines.get(line.id);
    if (!l) geo.lines.set(line.id, (l = { side: 0, pending: 0, crossed: false, counted: { in: false, out: false } }));
    // Any step whose path crosses the segment arms the crossing; coming back to the settled side disarms it.
    if (geo.anchor !== undefined && segmentsIntersect(geo.anchor, anchor, line.from, line.to)) l.crossed = true;
    const distance = signedDistance(line, anchor);
    if (Math.abs(distance) <= this.policy.lineMargin * boxHeight) return; // within the margin: neither side
    const side = Math.sign(distance);
    if (l.side === 0 || side === l.side) {
      l.side = side;
      l.pending = 0;
      l.crossed = false;
      return;
    }
    l.pending += 1;
    if (l.pending < this.policy.lineConfirmUpdates) return;
    l.side = side;
    l.pending = 0;
    const crossed = l.crossed;
    l.crossed = false;
    if (!crossed) return; // went round the segment's end
    const direction = side > 0 ? 'in' : 'out';
    if (l.counted[direction]) return;
    l.counted[direction] = true;
    const counts = this.lineCounts.get(line.id);
    if (counts) counts[direction][geo.label] = (counts[direction][geo.label] ?? 0) + 1;
    events.push({ type: 'line_crossed', line_id: line.id, track_id: trackId, label: geo.label, direction });
  }
}
