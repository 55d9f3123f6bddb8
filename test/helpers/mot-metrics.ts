/**
 * CLEAR-MOT and identity metrics for the tracking tests, computed the way py-motmetrics does on one sequence:
 * per frame, ground truth and hypotheses are matched by IoU >= threshold (Hungarian, keeping last frame's
 * pairs when still valid); a ground-truth object matched to a different hypothesis id than last time is an
 * ID switch. IDF1 matches ground-truth ids to hypothesis ids once for the whole sequence.
 * Independent of the tracker under test: it uses `munkres` directly, not src/services/tracking.
 */
import munkres from 'munkres';

import { iou, type Box } from './boxes';

export type { Box };

export interface Labelled {
  readonly id: number;
  readonly box: Box;
}

export interface MotFrame {
  readonly truth: readonly Labelled[];
  readonly hypotheses: readonly Labelled[];
}

export interface MotSummary {
  readonly objects: number;
  readonly misses: number;
  readonly falsePositives: number;
  readonly idSwitches: number;
  readonly mota: number;
  readonly idf1: number;
}

function hungarianMax(scores: number[][]): [number, number][] {
  if (scores.length === 0 || scores[0].length === 0) return [];
  return munkres(scores.map((row) => row.map((s) => -s))) as [number, number][];
}

export function motMetrics(frames: readonly MotFrame[], threshold = 0.5): MotSummary {
  let objects = 0;
  let misses = 0;
  let falsePositives = 0;
  let idSwitches = 0;
  const lastMatch = new Map<number, number>(); // truth id -> hypothesis id
  const together = new Map<string, number>(); // "truth,hyp" -> frames matched by IoU (for IDF1)
  const truthFrames = new Map<number, number>();
  const hypFrames = new Map<number, number>();
  for (const { truth, hypotheses } of frames) {
    objects += truth.length;
    for (const t of truth) truthFrames.set(t.id, (truthFrames.get(t.id) ?? 0) + 1);
    for (const h of hypotheses) hypFrames.set(h.id, (hypFrames.get(h.id) ?? 0) + 1);
    for (const t of truth) for (const h of hypotheses) if (iou(t.box, h.box) >= threshold) together.set(`${t.id},${h.id}`, (together.get(`${t.id},${h.id}`) ?? 0) + 1);
    // CLEAR-MOT: keep last frame's pairs that are still valid, then Hungarian on the rest.
    const usedT = new Set<number>();
    const usedH = new Set<number>();
    const pairs: [Labelled, Labelled][] = [];
    for (const t of truth) {
      const h = hypotheses.find((x) => x.id === lastMatch.get(t.id));
      if (h && !usedH.has(h.id) && iou(t.box, h.box) >= threshold) {
        pairs.push([t, h]);
        usedT.add(t.id);
        usedH.add(h.id);
      }
    }
    const restT = truth.filter((t) => !usedT.has(t.id));
    const restH = hypotheses.filter((h) => !usedH.has(h.id));
    const scores = restT.map((t) => restH.map((h) => {
      const v = iou(t.box, h.box);
      return v >= threshold ? v : -1e3;
    }));
    for (const [r, c] of hungarianMax(scores)) if (scores[r][c] >= threshold) pairs.push([restT[r], restH[c]]);
    for (const [t, h] of pairs) {
      const previous = lastMatch.get(t.id);
      if (previous !== undefined && previous !== h.id) idSwitches += 1;
      lastMatch.set(t.id, h.id);
    }
    misses += truth.length - pairs.length;
    falsePositives += hypotheses.length - pairs.length;
  }
  // IDF1: one global truth-id <-> hypothesis-id matching maximising frames matched together.
  const truthIds = [...truthFrames.keys()];
  const hypIds = [...hypFrames.keys()];
  const matrix = truthIds.map((t) => hypIds.map((h) => together.get(`${t},${h}`) ?? 0));
  let idtp = 0;
  for (const [r, c] of hungarianMax(matrix)) idtp += matrix[r][c];
  const totalT = [...truthFrames.values()].reduce((a, b) => a + b, 0);
  const totalH = [...hypFrames.values()].reduce((a, b) => a + b, 0);
  const idf1 = totalT + totalH === 0 ? 1 : (2 * idtp) / (totalT + totalH);
  const mota = objects === 0 ? 1 : 1 - (misses + falsePositives + idSwitches) / objects;
  return { objects, misses, falsePositives, idSwitches, mota, idf1 };
}
