/**
 * Gated minimum-cost assignment (the "linear assignment" step of SORT/ByteTrack), with the Hungarian
 * algorithm from the `munkres` package: a maintained, typed, dependency-free implementation that takes
 * rectangular matrices, which is what tracks x detections are.
 *
 * Pairs beyond the gate can never match, and in a real frame most pairs are (two boxes far apart have IoU 0).
 * So the pairs within the gate are split into connected groups first and each group is solved alone: the same
 * optimum, since no pair links two groups, at a fraction of the O(n³) cost of one dense 50x50 problem.
 */
import munkres from 'munkres';

export interface Assignment {
  /** [row, column] pairs whose cost is within the gate. */
  readonly matches: [number, number][];
  readonly unmatchedRows: number[];
  readonly unmatchedColumns: number[];
}

/** Stands in for a pair that may not match inside a group: larger than any gate, finite for the solver. */
const FORBIDDEN = 1e6;

/**
 * Assigns rows to columns at the least total cost, among pairs whose cost is at most `maxCost` (the rest stay
 * unmatched). `cost(r, c)` may return Infinity for a pair that must never match (another class).
 */
export function assign(rows: number, columns: number, cost: (row: number, column: number) => number, maxCost: number): Assignment {
  const matches: [number, number][] = [];
  // Union-find over rows (0..rows-1) and columns (rows..rows+columns-1), joined by every pair within the gate.
  const parent = Array.from({ length: rows + columns }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const allowed: { r: number; c: number; cost: number }[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const value = cost(r, c);
      if (!(value <= maxCost)) continue;
      allowed.push({ r, c, cost: value });
      parent[find(r)] = find(rows + c);
    }
  }
  const groups = new Map<number, { rows: number[]; columns: number[]; pairs: typeof allowed }>();
  for (const pair of allowed) {
    const root = find(pair.r);
    let g = groups.get(root);
    if (!g) groups.set(root, (g = { rows: [], columns: [], pairs: [] }));
    g.pairs.push(pair);
  }
  for (const g of groups.values()) {
    if (g.pairs.length === 1) {
      matches.push([g.pairs[0].r, g.pairs[0].c]);
      continue;
    }
    const rowAt = new Map<number, number>();
    const columnAt = new Map<number, number>();
    for (const { r, c } of g.pairs) {
      if (!rowAt.has(r)) rowAt.set(r, rowAt.size);
      if (!columnAt.has(c)) columnAt.set(c, columnAt.size);
    }
    const matrix = Array.from({ length: rowAt.size }, () => new Array<number>(columnAt.size).fill(FORBIDDEN));
    for (const { r, c, cost: value } of g.pairs) matrix[rowAt.get(r) as number][columnAt.get(c) as number] = value;
    const rowOf = [...rowAt.keys()];
    const columnOf = [...columnAt.keys()];
    for (const [i, j] of munkres(matrix)) if (matrix[i][j] <= maxCost) matches.push([rowOf[i], columnOf[j]]);
  }
  const rowUsed = new Array<boolean>(rows).fill(false);
  const columnUsed = new Array<boolean>(columns).fill(false);
  for (const [r, c] of matches) {
    rowUsed[r] = true;
    columnUsed[c] = true;
  }
  const unmatchedRows: number[] = [];
  const unmatchedColumns: number[] = [];
  for (let r = 0; r < rows; r++) if (!rowUsed[r]) unmatchedRows.push(r);
  for (let c = 0; c < columns; c++) if (!columnUsed[c]) unmatchedColumns.push(c);
  return { matches, unmatchedRows, unmatchedColumns };
}
