/** What the CLI counts while streaming, for the progress bar and the closing summary. */
import type { FrameAnswerMessage, TrackCounts } from '../client';

export class StreamStats {
  sent = 0;
  results = 0;
  skipped = 0;
  readonly dropped: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  readonly labels: Record<string, number> = {};
  counts: TrackCounts | undefined;
  private readonly latencies: number[] = [];
  private readonly startedAt = Date.now();

  record(answer: FrameAnswerMessage, latencyMs: number | undefined): void {
    if ('result' in answer) {
      this.results += 1;
      for (const d of answer.result.detections ?? []) this.labels[d.label] = (this.labels[d.label] ?? 0) + 1;
      if (answer.result.faces?.length) this.labels.face = (this.labels.face ?? 0) + answer.result.faces.length;
      if (answer.result.counts) this.counts = answer.result.counts;
      if (latencyMs !== undefined) this.latencies.push(latencyMs);
    } else if ('dropped' in answer) this.dropped[answer.cause] = (this.dropped[answer.cause] ?? 0) + 1;
    else this.errors[answer.error] = (this.errors[answer.error] ?? 0) + 1;
  }

  get totalDropped(): number {
    return Object.values(this.dropped).reduce((a, b) => a + b, 0);
  }

  /** Median answer latency so far (send to answer), ms. */
  p50(): number | undefined {
    if (this.latencies.length === 0) return undefined;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)];
  }

  fps(done: number): number {
    const s = (Date.now() - this.startedAt) / 1000;
    return s > 0 ? done / s : 0;
  }

  summary(framesRead: number): string {
    const kv = (o: Record<string, number>): string => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    const p50 = this.p50();
    const lines = [
      `frames read ${framesRead}, sent ${this.sent}${this.skipped ? `, skipped while busy ${this.skipped}` : ''}, results ${this.results}`,
      `dropped: ${kv(this.dropped)}`,
      ...(Object.keys(this.errors).length ? [`frame errors: ${kv(this.errors)}`] : []),
      `detections per label: ${kv(this.labels)}`,
      `p50 latency ${p50 === undefined ? '-' : `${p50.toFixed(1)} ms`}, ${this.fps(framesRead).toFixed(1)} frames/s`,
    ];
    if (this.counts) {
      for (const [id, c] of Object.entries(this.counts.lines)) lines.push(`line ${id}: in ${kv(c.in)}; out ${kv(c.out)}`);
      for (const [id, c] of Object.entries(this.counts.zones)) lines.push(`zone ${id}: ${kv(c)}`);
    }
    return lines.join('\n');
  }
}
