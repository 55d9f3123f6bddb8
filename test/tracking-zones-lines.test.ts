/**
 * Zones and counting lines over confirmed tracks: direction by the cross product, crossings only over the
 * segment, flicker and jitter, zone inertia and dwell, per-class counts, label filters, reset, removal.
 * Driven through ZonesAndLines with hand-made track views (no tracker), so each rule is seen alone.
 */
import test from 'ava';

import { anchorOf, insidePolygon, iou, segmentsIntersect, sideOf } from '../src/services/tracking/geometry';
import type { TrackView } from '../src/services/tracking/byte-tracker';
import { ZonesAndLines, type SceneEvent } from '../src/services/tracking/zones-and-lines';

const POLICY = { zoneInertia: 3, lineConfirmUpdates: 2, lineMargin: 0.1 };
/** A vertical line at x = 384 drawn top to bottom: its positive side is x < 384, so moving left is "in". */
const GATE = { id: 'gate', from: [384, 0] as [number, number], to: [384, 576] as [number, number] };

/** A track view whose anchor (bottom centre) is at (ax, ay). */
const at = (id: number, ax: number, ay: number, t: number, label = 'person'): TrackView => ({ id, label, box: { x: ax - 20, y: ay - 100, width: 40, height: 100 }, lastSeenMs: t });

/** Feeds one track along anchor x positions (y fixed), one update per 100 ms; returns every event. */
function walk(scene: ZonesAndLines, id: number, xs: number[], y = 300, label = 'person', t0 = 0): SceneEvent[] {
  return xs.flatMap((x, k) => scene.update([at(id, x, y, t0 + k * 100, label)], [], t0 + k * 100));
}

test('geometry: side by the cross product, segment intersection, point in polygon, IoU, anchor', (t) => {
  // (T-F) x (P-F) for F=(384,0), T=(384,576): 0*(Py) - 576*(Px-384) -> positive when Px < 384.
  t.is(sideOf(GATE.from, GATE.to, [100, 300]), 1);
  t.is(sideOf(GATE.from, GATE.to, [500, 300]), -1);
  t.is(sideOf(GATE.from, GATE.to, [384, 10]), 0);
  t.true(segmentsIntersect([300, 300], [400, 300], GATE.from, GATE.to));
  t.false(segmentsIntersect([300, 700], [400, 700], GATE.from, GATE.to), 'beyond the segment end');
  t.true(segmentsIntersect([300, 300], [384, 300], GATE.from, GATE.to), 'touching counts');
  const square: [number, number][] = [[0, 0], [10, 0], [10, 10], [0, 10]];
  t.true(insidePolygon(square, [5, 5]));
  t.false(insidePolygon(square, [15, 5]));
  t.is(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 }), 50 / 150);
  t.deepEqual(anchorOf({ x: 10, y: 20, width: 40, height: 100 }), [30, 120]);
});

test('a walk across the line counts once, with the direction the cross product gives', (t) => {
  const scene = new ZonesAndLines(POLICY);
  scene.setLayout({ zones: [], lines: [GATE] });
  // Left (positive side) to right (negative side): "out".
  const events = walk(scene, 1, [300, 330, 360, 390, 420, 450]);
  t.deepEqual(events, [{ type: 'line_crossed', line_id: 'gate', track_id: 1, label: 'person', direction: 'out' }]);
  // Right to left: "in".
  const back = walk(scene, 2, [450, 420, 390, 360, 330], 300, 'person', 1000);
  t.deepEqual(back.map((e) => e.type === 'line_crossed' && e.direction), ['in']);
  t.deepEqual(scene.counts().lines, { gate: { in: { person: 1 }, out: { person: 1 } } });
});

test('a one-frame flicker across the line never counts', (t) => {
  const scene = new ZonesAndLines(POLICY);
  scene.setLayout({ zones: [], lines: [GATE] });
  t.deepEqual(walk(scene, 1, [370, 375, 395, 372, 370, 398, 376, 371]), []);
  t.deepEqual(scene.counts().lines.gate, { in: {}, out: {} });
});

test('positions within the margin (0.1 x box height) count for neither side', (t) => {
  const scene = new ZonesAndLines(POLICY);
  scene.setLayout({ zones: [], lines: [GATE] });
  // Settled left of the line, then hovering 5-9 px right of it (box height 100: margin 10 px): no crossing.
  t.deepEqual(walk(scene, 1, [360, 370, 389, 392, 393, 390, 391, 389]), []);
  // Then clearly right of it for two updates: the crossing armed on the way counts.
  t.is(walk(scene, 1, [400, 402], 300, 'person', 1000).length, 1);
});

test('jitter across the line counts at most once per direction per track', (t) => {
  const scene = new ZonesAndLines(POLICY);
  scene.setLayout({ zones: [], lines: [GATE] });
  const xs = [370, 372, 396, 398, 400, 371, 370, 369, 397, 399, 398, 370, 371, 372];
  const events = walk(scene, 1, xs);
  t.deepEqual(events.map((e) => e.type === 'line_crossed' && e.direction), ['out', 'in']);
});

test('passing beyond the end of the segment does not count', (t) => {
  const scene = new ZonesAndLines(POLICY);
  const short = { id: 'short', from: [384, 0] as [number, number], to: [384, 200] as [number, number] };
  scene.setLayout({ zones: [], lines: [short] });
  t.deepEqual(walk(scene, 1, [300, 340, 380, 420, 460], 300), []);
  t.is(walk(scene, 2, [300, 340, 380, 420, 460], 150, 'person', 1000).length, 1);
});

test('a crossing seen only across a gap of dropped frames still counts (path between updates)', (t) => {
  const scene = new ZonesAndLines(POLICY);
  scene.setLayout({ zones: [], lines: [GATE] });
  t.is(walk(scene, 1, [200, 500, 520]).length, 1);
});

test('zone inertia: entry and exit need 3 consecutive updates; dwell runs between the first of each', (t) => {
  const scene = new ZonesAndLines(POLICY);
  const door = { id: 'door', polygon: [[300, 200], [500, 200], [500, 400], [300, 400]] as [number, number][] };
  scene.setLayout({ zones: [door], lines: [] });
  // outside, inside x1 (blip), outside, inside x3 -> entered (first inside at k=3, t=300), ...
  const xs = [100, 350, 100, 350, 360, 370, 380, 390, 600, 390, 600, 610, 620];
  const events = walk(scene, 1, xs);
  t.deepEqual(events, [
    { type: 'zone_entered', zone_id: 'door', track_id: 1, label: 'person' },
    { type: 'zone_exited', zone_id: 'door', track_id: 1, label: 'person', dwell_s: 0.7 },
  ]);
});

test('zone occupancy counts per label; line counts per label; labels filters apply', (t) => {
  const scene = new ZonesAndLines(POLICY);
  const all = { id: 'all', polygon: [[0, 0], [1000, 0], [1000, 1000], [0, 1000]] as [number, number][] };
  const carsOnly = { id: 'cars', polygon: all.polygon, labels: ['car'] };
  scene.setLayout({ zones: [all, carsOnly], lines: [{ ...GATE, labels: ['car'] }] });
  for (let k = 0; k < 5; k++) {
    scene.update([at(1, 100 + k, 300, k * 100), at(2, 200 + k, 300, k * 100), at(3, 350 + 20 * k, 300, k * 100, 'car')], [], k * 100);
  }
  t.deepEqual(scene.counts().zones, { all: { person: 2, car: 1 }, cars: { car: 1 } });
  t.deepEqual(scene.counts().lines, { gate: { in: {}, out: { car: 1 } } });
});

test('a track removed while in a zone exits it, with its dwell up to when it was last seen', (t) => {
  const scene = new ZonesAndLines(POLICY);
  const zone = { id: 'z', polygon: [[0, 0], [1000, 0], [1000, 1000], [0, 1000]] as [number, number][] };
  scene.setLayout({ zones: [zone], lines: [] });
  walk(scene, 1, [100, 110, 120, 130]);
  t.deepEqual(scene.counts().zones, { z: { person: 1 } });
  const events = scene.update([], [at(1, 130, 300, 300)], 2000);
  t.deepEqual(events, [{ type: 'zone_exited', zone_id: 'z', track_id: 1, label: 'person', dwell_s: 0.3 }]);
  t.deepEqual(scene.counts().zones, { z: {} });
});

test('reset clears counts and track state; a new layout starts its counts over', (t) => {
  const scene = new ZonesAndLines(POLICY);
  scene.setLayout({ zones: [], lines: [GATE] });
  walk(scene, 1, [300, 330, 400, 420]);
  t.deepEqual(scene.counts().lines.gate.out, { person: 1 });
  scene.reset();
  t.deepEqual(scene.counts().lines.gate, { in: {}, out: {} });
  // After reset the same track may count again: its per-line state is gone.
  walk(scene, 1, [300, 330, 400, 420], 300, 'person', 5000);
  t.deepEqual(scene.counts().lines.gate.out, { person: 1 });
  scene.setLayout({ zones: [], lines: [{ ...GATE, id: 'other' }] });
  t.deepEqual(scene.counts().lines, { other: { in: {}, out: {} } });
});
