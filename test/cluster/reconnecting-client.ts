/**
 * The cluster test's own small stream client (the clients SDK is another piece of work): sends frames at a
 * fixed rate, stops sending on `draining`, and reconnects with backoff when a session closes with a code that
 * means "go elsewhere" or when the upgrade is refused with 503. Each connection is a new session, recorded
 * with what it sent and every answer it got, so the test can check exactly-once accounting per session.
 */
import { performance } from 'node:perf_hooks';

import WebSocket from 'ws';

/** Close codes after which a client reconnects: going away, abnormal (no close frame), internal error, restart, try again later. */
export const RECONNECT_CODES = new Set([1001, 1006, 1011, 1012, 1013]);

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1000;
/** Attempts in a row without a session before the client gives up: keeps every loop bounded. */
const MAX_ATTEMPTS = 40;

export interface SessionRecord {
  readonly instanceId: string;
  readonly sessionId: string;
  /** performance.now() when session_started arrived. */
  readonly startedAt: number;
  sent: number;
  /** frame_index -> how many answers named it. */
  readonly answers: Map<number, number>;
  readonly kinds: { result: number; dropped: Record<string, number>; error: number };
  drainingAt: number | undefined;
  /** Frames sent after `draining` arrived (a client should send none). */
  sentAfterDraining: number;
  closeCode: number | undefined;
  closedAt: number | undefined;
}

export class ReconnectingClient {
  readonly sessions: SessionRecord[] = [];
  /** Upgrades refused (HTTP status) or failed (0) before a session opened. */
  readonly refusals: number[] = [];
  private ws: WebSocket | undefined;
  private sender: NodeJS.Timeout | undefined;
  private stopped = false;
  private attempts = 0;
  private retry: NodeJS.Timeout | undefined;
  gaveUp = false;

  constructor(
    private readonly url: string,
    private readonly frames: readonly Buffer[],
    private readonly fps: number,
  ) {}

  start(): void {
    this.connect();
  }

  get current(): SessionRecord | undefined {
    return this.sessions[this.sessions.length - 1];
  }

  /** Closes the current session normally and reconnects no more. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.sender);
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 3000);
      ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'test done');
    });
  }

  private connect(): void {
    if (this.stopped) return;
    this.attempts += 1;
    const ws = new WebSocket(this.url, { perMessageDeflate: false });
    this.ws = ws;
    let record: SessionRecord | undefined;
    let refused = false;
    ws.on('unexpected-response', (_req, res) => {
      refused = true;
      this.refusals.push(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => {}); // a refused or cut connection: 'close' follows and decides
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      if (msg.event === 'session_started') {
        this.attempts = 0;
        record = {
          instanceId: String(msg.instance_id),
          sessionId: String(msg.session_id),
          startedAt: performance.now(),
          sent: 0,
          answers: new Map(),
          kinds: { result: 0, dropped: {}, error: 0 },
          drainingAt: undefined,
          sentAfterDraining: 0,
          closeCode: undefined,
          closedAt: undefined,
        };
        this.sessions.push(record);
        this.startSending(ws, record);
        return;
      }
      if (!record) return;
      if (msg.event === 'draining') {
        record.drainingAt = performance.now();
        clearInterval(this.sender); // what the issue asks every client to do
        return;
      }
      if (typeof msg.frame_index === 'number') {
        record.answers.set(msg.frame_index, (record.answers.get(msg.frame_index) ?? 0) + 1);
        if ('result' in msg) record.kinds.result += 1;
        else if (msg.dropped === true) record.kinds.dropped[String(msg.cause)] = (record.kinds.dropped[String(msg.cause)] ?? 0) + 1;
        else record.kinds.error += 1;
      }
    });
    ws.on('close', (code) => {
      if (this.ws === ws) clearInterval(this.sender);
      if (record) {
        record.closeCode = code;
        record.closedAt = performance.now();
      } else if (!refused) {
        this.refusals.push(0); // no session and no HTTP answer: the connection itself failed
      }
      const reconnect = record ? RECONNECT_CODES.has(code) : true;
      if (this.stopped || !reconnect) return;
      if (this.attempts >= MAX_ATTEMPTS) {
        this.gaveUp = true;
        return;
      }
      const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, this.attempts - 1));
      this.retry = setTimeout(() => this.connect(), backoff * (0.5 + Math.random() / 2));
    });
  }

  private startSending(ws: WebSocket, record: SessionRecord): void {
    clearInterval(this.sender);
    let k = 0;
    this.sender = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (record.drainingAt !== undefined) record.sentAfterDraining += 1;
      ws.send(this.frames[k++ % this.frames.length], { binary: true });
      record.sent += 1;
    }, 1000 / this.fps);
  }

  /** Resolves once `predicate` holds, polling every 20 ms; rejects after `timeoutMs`. */
  async waitFor(predicate: (client: ReconnectingClient) => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!predicate(this)) {
      if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; sessions: ${this.describe()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  describe(): string {
    return this.sessions.map((s) => `${s.instanceId}(sent ${s.sent}, answered ${s.answers.size}, close ${s.closeCode ?? '-'})`).join(' -> ') || 'none';
  }
}
