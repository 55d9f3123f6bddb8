/**
 * CPU cost of tracking one frame on the JS thread, as the stream pays it: JSON.parse of the engine's result,
 * SessionTracker.annotate (Kalman predict and update, Hungarian assignment, zones and lines), JSON.stringify.
 * Synthetic scene: N people walking at 60-150 px/s in a 1920x1080 frame, 10 frames/s, two zones and two lines.
 * Prints µs of CPU per frame (process.cpuUsage, user + system) for each N, the median of 5 runs, and of that
 * the JSON round trip alone (what tracking in C++ would save).
 *
 *   node dist/bench/tracking/tracker-cost.js [--detections 10,50,100] [--frames 2000]
 */
import { parseArgs } from 'node:util';

import { SessionTracker, parseLayout } from '../../src/services/tracking';
import { seededRandom } from '../../test/helpers/random';

const { values } = parseArgs({ options: { detections: { type: 'string', default: '10,50,100' }, frames: { type: 'string', default: '2000' } } });
const counts = values.detections.split(',').map(Number);
const frames = Number(values.frames);


const layout = parseLayout(
  [
    { id: 'left', polygon: [[0, 0], [900, 0], [900, 1080], [0, 1080]] },
    { id: 'door', polygon: [[800, 400], [1200, 380], [1250, 800], [780, 820], [760, 600]], labels: ['person'] },
  ],
  [
    { id: 'gate', from: [960, 0], to: [960, 1080] },
    { id: 'curb', from: [0, 700], to: [1920, 650], labels: ['person'] },
  ],
  new Set(['person']),
);
if (typeof layout === 'string') throw new Error(layout);

function scene(n: number, seed: number): string[] {
  const rnd = seededRandom(seed);
  const people = Array.from({ length: n }, () => ({ x: rnd() * 1800, y: 100 + rnd() * 800, vx: (rnd() < 0.5 ? -1 : 1) * (60 + rnd() * 90), vy: (rnd() - 0.5) * 40 }));
  const out: string[] = [];
  for (let f = 0; f < frames; f++) {
    const detections = people.map((p) => {
      p.x += p.vx / 10;
      p.y += p.vy / 10;
      if (p.x < 0 || p.x > 1860) p.vx = -p.vx;
      return { label: 'person', class_id: 0, score: Number((0.3 + rnd() * 0.65).toFixed(4)), box: { x: Math.round(p.x + rnd() * 3), y: Math.round(p.y + rnd() * 3), width: 40, height: 100 } };
    });
    out.push(JSON.stringify({ pipeline_id: 'detect', image: { width: 1920, height: 1080 }, detections, timings_ms: { decode: 1, inference: 9, postprocess: 0.1, total: 10 } }));
  }
  return out;
}

for (const n of counts) {
  const results = scene(n, n);
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const tracker = new SessionTracker({ highScore: 0.5, confirmHits: 2, keepMs: 1500, maxTracks: 256, zoneInertia: 3, lineConfirmUpdates: 2, lineMargin: 0.1 });
    tracker.setLayout(layout);
    const before = process.cpuUsage();
    let bytes = 0;
    results.forEach((json, f) => {
      bytes += JSON.stringify(tracker.annotate(JSON.parse(json), f * 100)).length;
    });
    const used = process.cpuUsage(before);
    runs.push((used.user + used.system) / frames);
    if (bytes === 0) throw new Error('nothing written');
  }
  runs.sort((a, b) => a - b);
  const json: number[] = [];
  for (let run = 0; run < 5; run++) {
    const before = process.cpuUsage();
    let bytes = 0;
    for (const text of results) bytes += JSON.stringify(JSON.parse(text)).length;
    const used = process.cpuUsage(before);
    json.push((used.user + used.system) / frames);
    if (bytes === 0) throw new Error('nothing written');
  }
  json.sort((a, b) => a - b);
  console.log(`${String(n).padStart(4)} detections/frame: ${runs[2].toFixed(1)} µs CPU per frame (median of 5 runs of ${frames} frames; min ${runs[0].toFixed(1)}, max ${runs[4].toFixed(1)}); of which JSON parse + stringify ${json[2].toFixed(1)} µs`);
}
