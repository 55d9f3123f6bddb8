/**
 * Gated minimum-cost assignment (the "linear assignment" step of SORT/ByteTrack), with the Hungarian
 * algorithm from the `munkres` package: a maintained, typed, dependency-free implementation that takes
 * rectangular matrices, which is what tracks x detections are.
 */
import munkres from 'munkres';

export interface Assignment {
  /** [row, column] pairs whose cost is within the gate. */
  readonly matches: [number, number][];
  readonly unmatchedRows: number[];
  readonly unmatchedColumns: number[];
}

/** Stands in for a pair that may not match: larger than any gate, finite so the solver never sees a row of Infinity. */
const FORBIDDEN = 1e6;

/**
 * Assigns rows to columns at the least total cost, then keeps only the pairs whose cost is at most `maxCost`
 * (the rest stay unmatched, as if assigned to nothing). `cost(r, c)` may return Infinity for a pair that must
 * never match (another class).
 */
export function assign(rows: number, columns: number, cost: (row: number, column: number) => number, maxCost: number): Assignment {
  const matches: [number, number][] = [];
  const rowUsed = new Array<boolean>(rows).fill(false);
  const columnUsed = new Array<boolean>(columns).fill(false);
  if (rows > 0 && columns > 0) {
    const matrix: number[][] = [];
    const real: number[][] = [];
    let anyAllowed = false;
    for (let r = 0; r < rows; r++) {
      const line: number[] = [];
      const realLine: number[] = [];
      for (let c = 0; c < columns; c++) {
        const value = cost(r, c);
        realLine.push(value);
        const allowed = value <= maxCost;
        anyAllowed ||= allowed;
        line.push(allowed ? value : FORBIDDEN);
      }
      matrix.push(line);
      real.push(realLine);
    }
    if (anyAllowed) {
      for (const [r, c] of munkres(matrix)) {
        if (real[r][c] > maxCost) continue;
        matches.push([r, c]);
        rowUsed[r] = true;
        columnUsed[c] = true;
      }
    }
  }
  const unmatchedRows: number[] = [];
  const unmatchedColumns: number[] = [];
  for (let r = 0; r < rows; r++) if (!rowUsed[r]) unmatchedRows.push(r);
  for (let c = 0; c < columns; c++) if (!columnUsed[c]) unmatchedColumns.push(c);
  return { matches, unmatchedRows, unmatchedColumns };
}
