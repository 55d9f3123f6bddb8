/** Word-level scoring of recognised text against a transcription (the text pipelines' golden tests and bench). */

/** Lower-cased words, punctuation at either end removed ("papers!)" -> "papers"); hyphenated words stay whole. */
export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
    .filter((w) => w.length > 0);
}

/** Share of `expected` words found in `got`, each found word used once (multiset recall). */
export function wordRecall(expected: readonly string[], got: readonly string[]): number {
  const left = new Map<string, number>();
  for (const w of got) left.set(w, (left.get(w) ?? 0) + 1);
  let found = 0;
  for (const w of expected) {
    const n = left.get(w) ?? 0;
    if (n > 0) {
      found += 1;
      left.set(w, n - 1);
    }
  }
  return expected.length === 0 ? 1 : found / expected.length;
}
