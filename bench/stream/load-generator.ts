/**
 * The load generator: real ws clients against a running server, kept cheap so
 * it does not distort what it measures on a 2-core machine. Frames are
 * pre-encoded Buffers reused for every send; answers are classified from their
 * first bytes (every per-frame answer starts with {"frame_index":N,) instead
 * of JSON.parse of each result; timings go into preallocated typed arrays.
 * Frames go out with an all-zero masking key: ws then sends the shared Buffer
 * as is instead of copying and XOR-ing every frame (RFC 6455 wants keys an
 * intermediary cannot predict; on loopback there is none). ws on the server
 * then skips unmasking too (ws 8.23 checks for an all-zero key): a real
 * client's frame costs the server one more pass over it, through bufferutil's
 * native unmask, 1.3 µs for 61 KB here (measured 2026-12-06).
 */
import { performance } from 'node:perf_hooks';

import WebSocket from 'ws';

import { percentile } from '../native/measure';

export type Kind = 'result' | 'superseded' | 'stale' | 'shutdown' | 'error';

const PREFIX = Buffer.from('{"frame_index":');

const zeroMask = (mask: Buffer): void => {
  mask.fill(0);
};

const TOTAL_KEY = Buffer.from('"total":');

/** The engine's own time for a result (timings_ms.total, the last field of every result), read from its tail. */
export function engineTotalMs(data: Buffer): number {
  const at = data.lastIndexOf(TOTAL_KEY);
  let pos = at + TOTAL_KEY.length;
  let value = 0;
  let scale = 0;
  for (; pos < data.length; pos++) {
    const c = data[pos];
    if (c === 0x2e) scale = 1;
    else if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      if (scale) scale *= 10;
    } else break;
  }
  return scale ? value / scale : value;
}

/** frame_index and kind of a per-frame answer, or undefined for other messages (session_started, slow_down). */
export function classify(data: Buffer): { index: number; kind: Kind } | undefined {
  if (data.length < PREFIX.length + 2 || data.compare(PREFIX, 0, PREFIX.length, 0, PREFIX.length) !== 0) return undefined;
  let pos = PREFIX.length;
  let index = 0;
  while (data[pos] >= 0x30 && data[pos] <= 0x39) index = index * 10 + (data[pos++] - 0x30);
  const key = data[pos + 2]; // after ',"'
  if (key === 0x72 /* r */) return { index, kind: 'result' };
  if (key === 0x65 /* e */) return { index, kind: 'error' };
  const cause = data.toString('latin1', data.length - 12); // ...,"cause":"superseded"}
  if (cause.includes('superseded')) return { index, kind: 'superseded' };
  if (cause.includes('stale')) return { index, kind: 'stale' };
  return { index, kind: 'shutdown' };
}

export interface RunOptions {
  url: string;
  pipeline: string;
  sessions: number;
  frames: readonly Buffer[];
  durationMs: number;
  /** Frames per second per session (open loop); undefined: closed loop, next frame when the previous is answered. */
  fps?: number;
  /** Extra connect-URL query, e.g. `&track=true`. */
  query?: string;
  /** A text control message each session sends once it started, before its first frame (e.g. a configure). */
  control?: string;
}

export interface RunReport {
  mode: 'closed' | 'open';
  sessions: number;
  fpsPerSession: number | undefined;
  seconds: number;
  sent: number;
  results: number;
  dropped: { superseded: number; stale: number; shutdown: number };
  errors: number;
  /** Every frame sent answered, none twice. */
  answeredExactlyOnce: boolean;
  resultsPerSecond: number;
  p50: number;
  p90: number;
  p99: number;
  /** p50 of the engine's own per-frame time (timings_ms.total) over this run's results: single-frame compute. */
  computeP50: number;
  /** p99 of the same: how much the engine's own time varies under this load. */
  computeP99: number;
  /**
   * p50 and p99 of each result's latency minus its engine time: what the frame spent outside the engine (sending,
   * reading, waiting in its lane for a slot, the answer's way back). Not additive with computeP99: per frame.
   */
  outsideP50: number;
  outsideP99: number;
  /** p99 of results sent in the first and in the last 10 s (open loop, runs >= 20 s). */
  firstP99: number | undefined;
  lastP99: number | undefined;
  slowDownWarnings: number;
}

/** Frames/s per session that offers twice what a closed-loop run of the same sessions got answered: the overload rate. */
export function overloadRate(closed: RunReport): number {
  return Math.round((2 * closed.resultsPerSecond) / closed.sessions);
}

interface SessionState {
  ws: WebSocket;
  sentAt: Float64Array;
  answers: Uint8Array;
  sent: number;
  /** Sends this session's next frame (no-op once the run is over). */
  send: () => void;
}

/** Runs one load pattern and reports it. The server must be ready. */
export async function runLoad(options: RunOptions): Promise<RunReport> {
  const capacity = Math.ceil((options.durationMs / 1000) * (options.fps ?? 1000) * 1.2) + 1000;
  const latencies = new Float64Array(capacity * options.sessions);
  const latencySentAt = new Float64Array(capacity * options.sessions);
  const compute = new Float64Array(capacity * options.sessions);
  let latencyCount = 0;
  const counts = { result: 0, superseded: 0, stale: 0, shutdown: 0, error: 0 };
  let duplicates = 0;
  let warnings = 0;
  let stopping = false;
  const start = performance.now();
  const end = start + options.durationMs;

  const sessions: SessionState[] = await Promise.all(
    Array.from({ length: options.sessions }, (_v, s) =>
      new Promise<SessionState>((resolve, reject) => {
        const ws = new WebSocket(`${options.url}?pipeline_id=${options.pipeline}${options.query ?? ''}`, { perMessageDeflate: false, generateMask: zeroMask });
        const state: SessionState = {
          ws,
          sentAt: new Float64Array(capacity),
          answers: new Uint8Array(capacity),
          sent: 0,
          send: () => {
            if (stopping || performance.now() >= end || state.sent >= capacity) return;
            state.sentAt[state.sent] = performance.now();
            ws.send(options.frames[(state.sent + s * 7) % options.frames.length], { binary: true });
            state.sent += 1;
          },
        };
        ws.on('message', (data: Buffer) => {
          const answer = classify(data);
          if (!answer) {
            if (data.includes('session_started')) {
              if (options.control !== undefined) ws.send(options.control);
              resolve(state);
            } else if (data.includes('slow_down')) warnings += 1;
            return;
          }
          if (state.answers[answer.index]++ > 0) duplicates += 1;
          counts[answer.kind] += 1;
          if (answer.kind === 'result') {
            latencySentAt[latencyCount] = state.sentAt[answer.index] - start;
            compute[latencyCount] = engineTotalMs(data);
            latencies[latencyCount++] = performance.now() - state.sentAt[answer.index];
          }
          if (options.fps === undefined) state.send();
        });
        ws.once('error', reject);
      }),
    ),
  );

  const senders = sessions.map((state) => state.send);
  if (options.fps === undefined) {
    senders.forEach((send) => send());
  } else {
    // Open loop: each session sends on its own fixed schedule, staggered, compensating timer drift.
    const interval = 1000 / options.fps;
    senders.forEach((send, s) => {
      let k = 0;
      const first = performance.now() + (interval * s) / options.sessions;
      const tick = (): void => {
        if (performance.now() >= end) return;
        send();
        k += 1;
        setTimeout(tick, Math.max(0, first + k * interval - performance.now()));
      };
      setTimeout(tick, Math.max(0, first - performance.now()));
    });
  }

  await new Promise((r) => setTimeout(r, options.durationMs));
  // Let the last answers arrive, then stop.
  const sentTotal = (): number => sessions.reduce((n, s) => n + s.sent, 0);
  const answeredTotal = (): number => counts.result + counts.superseded + counts.stale + counts.shutdown + counts.error;
  for (let i = 0; i < 200 && answeredTotal() < sentTotal(); i++) await new Promise((r) => setTimeout(r, 25));
  stopping = true;
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(sessions.map((s) => new Promise<void>((resolve) => {
    s.ws.once('close', () => resolve());
    s.ws.close();
  })));

  const sorted = latencies.slice(0, latencyCount).sort();
  const sortedCompute = compute.slice(0, latencyCount).sort();
  const outside = latencies.slice(0, latencyCount).map((latency, i) => latency - compute[i]).sort();
  const window = (from: number, to: number): number | undefined => {
    const picked: number[] = [];
    for (let i = 0; i < latencyCount; i++) if (latencySentAt[i] >= from && latencySentAt[i] < to) picked.push(latencies[i]);
    return picked.length ? percentile(Float64Array.from(picked).sort(), 0.99) : undefined;
  };
  const long = options.fps !== undefined && options.durationMs >= 20_000;
  const sent = sentTotal();
  let exactlyOnce = duplicates === 0;
  for (const s of sessions) for (let i = 0; i < s.sent; i++) if (s.answers[i] !== 1) exactlyOnce = false;
  return {
    mode: options.fps === undefined ? 'closed' : 'open',
    sessions: options.sessions,
    fpsPerSession: options.fps,
    seconds,
    sent,
    results: counts.result,
    dropped: { superseded: counts.superseded, stale: counts.stale, shutdown: counts.shutdown },
    errors: counts.error,
    answeredExactlyOnce: exactlyOnce && answeredTotal() === sent,
    resultsPerSecond: counts.result / (options.durationMs / 1000),
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    computeP50: percentile(sortedCompute, 0.5),
    computeP99: percentile(sortedCompute, 0.99),
    outsideP50: percentile(outside, 0.5),
    outsideP99: percentile(outside, 0.99),
    firstP99: long ? window(0, 10_000) : undefined,
    lastP99: long ? window(options.durationMs - 10_000, options.durationMs) : undefined,
    slowDownWarnings: warnings,
  };
}
