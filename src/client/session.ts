/**
 * One client stream: a WebSocket session to /ws/video/stream with flow control, answers matched to frames,
 * control messages and optional reconnect. Runs unchanged in Node and in the browser (no Node built-ins).
 *
 * Flow control, so that the server never has to drop a frame of ours:
 *   - at most `window` frames are in flight (sent, not yet answered); 1 by default;
 *   - after a slow_down warning, frames are spaced to the server's suggested_fps for a while;
 *   - a frame is not handed to the socket while its unsent output (bufferedAmount) is above a bound.
 * send() waits for all three; trySend() gives up at once instead (for live sources that skip frames).
 */
import { ERROR_CODES, isErrorCode } from '../errors';
import {
  RETRYABLE_CLOSE_CODES,
  RETRYABLE_UPGRADE_STATUSES,
  STREAM_PATH,
  type ConfigureRequest,
  type ConfiguredMessage,
  type DrainingMessage,
  type FrameAnswerMessage,
  type Line,
  type ResetMessage,
  type SessionErrorMessage,
  type SessionStartedMessage,
  type SlowDownMessage,
  type Zone,
} from '../protocol/messages';
import { FramewireClientError } from './errors';
import { Emitter } from './events';
import { OPEN, resolveWebSocket, type WebSocketConstructor, type WebSocketImpl, type WebSocketLike } from './websocket';

export type FrameData = Uint8Array | ArrayBuffer | Blob;

export interface ReconnectOptions {
  /** Attempts in a row before giving up (default 10). */
  readonly maxAttempts?: number;
  /** First delay, doubled each attempt up to maxDelayMs, with jitter (default 250 ms). */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface ConnectOptions {
  /** The server: http(s)://host:port or ws(s)://host:port (a path, if any, is replaced). */
  readonly url: string;
  /** Pipeline id (GET /v1/pipelines lists them). */
  readonly pipeline: string;
  /** The stream's bearer token: sent as an Authorization header in Node, as ?token= in the browser. */
  readonly token?: string;
  /** Tracking from the first frame (`&track=true`). */
  readonly track?: boolean;
  /** Zones and lines to configure as soon as the session starts (they turn tracking on). */
  readonly zones?: Zone[];
  readonly lines?: Line[];
  /** Per-session score threshold, replacing the pipeline's (0 < min_score <= 1). */
  readonly minScore?: number;
  /** Per-session label filter: only these labels are returned. */
  readonly classes?: string[];
  /** Frames in flight at most (default 1: send, wait for the answer, send the next). */
  readonly window?: number;
  /** A frame is not handed to the socket while more than this many bytes are unsent (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Reopen a session after close codes 1001, 1006, 1011, 1012 and 1013; off by default. */
  readonly reconnect?: boolean | ReconnectOptions;
  /** How long to wait for session_started, ms (default 10000). */
  readonly connectTimeoutMs?: number;
  /** A WebSocket implementation to use instead of the platform's (or `ws` in Node). */
  readonly WebSocket?: WebSocketConstructor;
}

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
  /** The server's error, when the session ended on one. */
  readonly error?: FramewireClientError;
  /** True when the SDK is about to open a new session. */
  readonly willReconnect: boolean;
}

export interface ReconnectEvent {
  readonly attempt: number;
  readonly previousSessionId: string | undefined;
  readonly sessionId: string;
}

export interface SessionEvents extends Record<string, unknown> {
  slow_down: SlowDownMessage;
  configured: ConfiguredMessage;
  reset: ResetMessage;
  draining: DrainingMessage;
  close: CloseEvent;
  reconnecting: { attempt: number; delayMs: number; closeCode: number };
  reconnect: ReconnectEvent;
}

/** How long a slow_down's suggested rate is honoured after the warning, ms. */
const SLOW_DOWN_HOLD_MS = 5000;
const BUFFER_POLL_MS = 5;

interface PendingFrame {
  readonly sentAt: number;
  resolve(answer: FrameAnswerMessage): void;
  reject(error: FramewireClientError): void;
}

interface ControlWaiter {
  readonly kind: 'configure' | 'reset';
  resolve(message: ConfiguredMessage | ResetMessage): void;
  reject(error: FramewireClientError): void;
}

const received = new WeakMap<object, { readonly text: string; readonly latencyMs: number | undefined }>();

/** The answer exactly as the server sent it (JSON text): for logs and JSONL files. */
export function answerText(answer: FrameAnswerMessage): string {
  return received.get(answer)?.text ?? JSON.stringify(answer);
}

/** Milliseconds from handing the frame to the socket to its answer's arrival. */
export function answerLatencyMs(answer: FrameAnswerMessage): number | undefined {
  return received.get(answer)?.latencyMs;
}

const now = (): number => (typeof performance === 'undefined' ? Date.now() : performance.now());

/** Per-frame errors after which the session goes on; any other error code ends the session. */
function endsSession(code: string): boolean {
  return !isErrorCode(code) || ERROR_CODES[code].ws !== null;
}

export function streamUrl(options: ConnectOptions, tokenInQuery: boolean): string {
  const url = new URL(options.url);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  url.pathname = STREAM_PATH;
  url.search = '';
  url.searchParams.set('pipeline_id', options.pipeline);
  if (options.track) url.searchParams.set('track', 'true');
  if (options.minScore !== undefined) url.searchParams.set('min_score', String(options.minScore));
  if (options.classes !== undefined) url.searchParams.set('classes', options.classes.join(','));
  if (tokenInQuery && options.token !== undefined) url.searchParams.set('token', options.token);
  return url.toString();
}

export class StreamClient extends Emitter<SessionEvents> {
  private impl: WebSocketImpl | undefined;
  private ws: WebSocketLike | undefined;
  private started: SessionStartedMessage | undefined;
  /** The id of the last session that started (kept across failed reconnect attempts). */
  private lastSessionId: string | undefined;
  private nextIndex = 0;
  private readonly pending = new Map<number, PendingFrame>();
  private readonly controls: ControlWaiter[] = [];
  private readonly sendWaiters: (() => void)[] = [];
  private readonly answerQueues = new Set<{ push(a: FrameAnswerMessage | undefined): void }>();
  /** The first error of the current session that ends it (sent before the close). */
  private fatal: SessionErrorMessage | undefined;
  private draining = false;
  private userClosed = false;
  private finished: FramewireClientError | undefined;
  private closedPromise: Promise<CloseEvent> | undefined;
  private resolveClosed: ((event: CloseEvent) => void) | undefined;
  private lastClose: CloseEvent | undefined;
  private minIntervalMs = 0;
  private paceUntil = 0;
  private lastSendAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The zones/lines/track last configured: re-sent on a new session after a reconnect. */
  private configuration: Omit<ConfigureRequest, 'type'> | undefined;
  private attempts = 0;
  private readonly window: number;
  private readonly maxBufferedBytes: number;
  private readonly reconnectOptions: Required<ReconnectOptions> | undefined;

  constructor(private readonly options: ConnectOptions) {
    super();
    this.window = options.window ?? 1;
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError(`window must be a positive integer, got ${options.window}`);
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1 << 20;
    const r = options.reconnect;
    this.reconnectOptions = r ? { maxAttempts: 10, initialDelayMs: 250, maxDelayMs: 10_000, ...(r === true ? {} : r) } : undefined;
    if (options.zones !== undefined || options.lines !== undefined) {
      this.configuration = { ...(options.track !== undefined && { track: options.track }), zones: options.zones ?? [], lines: options.lines ?? [] };
    }
  }

  /** The server's id of the current session. */
  get sessionId(): string | undefined {
    return this.started?.session_id;
  }

  get pipelineId(): string {
    return this.options.pipeline;
  }

  /** The server's frame size limit, bytes. */
  get maxFrameBytes(): number | undefined {
    return this.started?.max_frame_bytes;
  }

  /** Frames sent and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Opens the first session (and configures it); rejects with the server's error and close code. */
  async open(): Promise<void> {
    this.impl = await resolveWebSocket(this.options.WebSocket);
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    await this.openSession().catch(() => this.afterFailedAttempt());
  }

  /** A session that failed to open: wait for the reconnect onClose scheduled, or fail with why it ended. */
  private afterFailedAttempt(): Promise<void> {
    return this.finished ? Promise.reject(this.finished) : this.reopened;
  }

  /**
   * Sends one JPEG frame once flow control allows, and resolves with that frame's own answer: its result, its
   * drop and cause, or its per-frame error. Rejects when the session ends before the answer (with the server's
   * error code and the close code).
   */
  async send(frame: FrameData): Promise<FrameAnswerMessage> {
    while (!this.canSendNow()) {
      if (this.finished) throw this.finished;
      await new Promise<void>((resolve) => this.sendWaiters.push(resolve));
    }
    return this.transmit(frame);
  }

  /** Sends the frame only if flow control allows it right now; otherwise returns undefined (skip the frame). */
  trySend(frame: FrameData): Promise<FrameAnswerMessage> | undefined {
    return this.canSendNow() ? this.transmit(frame) : undefined;
  }

  /** Every frame answer, in arrival order, from now until the session ends for good. */
  async *answers(): AsyncGenerator<FrameAnswerMessage> {
    const buffered: (FrameAnswerMessage | undefined)[] = [];
    let wake: (() => void) | undefined;
    const queue = {
      push: (a: FrameAnswerMessage | undefined) => {
        buffered.push(a);
        wake?.();
      },
    };
    this.answerQueues.add(queue);
    try {
      for (;;) {
        if (buffered.length === 0) {
          if (this.finished) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        const next = buffered.shift();
        if (next === undefined) return;
        yield next;
      }
    } finally {
      this.answerQueues.delete(queue);
    }
  }

  /** Replaces the session's tracking configuration; resolves with the server's `configured` answer. */
  configure(config: Omit<ConfigureRequest, 'type'>): Promise<ConfiguredMessage> {
    return this.control('configure', { type: 'configure', ...config }).then((answer) => {
      this.configuration = config;
      return answer as ConfiguredMessage;
    });
  }

  /** Clears tracks, events and counts without reconnecting. */
  async reset(): Promise<void> {
    await this.control('reset', { type: 'reset' });
  }

  /**
   * Waits (up to `timeoutMs`) for the frames in flight to be answered, then closes with 1000. Resolves with the
   * close; frames still unanswered then are rejected.
   */
  async close(timeoutMs = 5000): Promise<CloseEvent> {
    if (this.lastClose && this.finished) return this.lastClose;
    const deadline = Date.now() + timeoutMs;
    while (this.pending.size > 0 && !this.finished && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.userClosed = true;
    clearTimeout(this.timer);
    if (this.ws && this.ws.readyState <= OPEN) this.ws.close(1000, 'client done');
    else if (!this.finished) this.finish(new FramewireClientError('closed', 'closed by the client'), { code: 1000, reason: 'client done', willReconnect: false });
    return this.closedPromise as Promise<CloseEvent>;
  }

  /** Resolves when the session has ended for good (after any reconnects). */
  get closed(): Promise<CloseEvent> {
    return this.closedPromise ?? Promise.reject(new Error('not opened'));
  }

  // --- internals ------------------------------------------------------------------------------------------

  private canSendNow(): boolean {
    const ws = this.ws;
    if (this.finished || this.draining || !this.started || !ws || ws.readyState !== OPEN) return false;
    if (this.pending.size >= this.window) return false;
    if (ws.bufferedAmount > this.maxBufferedBytes) {
      this.schedule(BUFFER_POLL_MS);
      return false;
    }
    const now = Date.now();
    if (now < this.paceUntil && now - this.lastSendAt < this.minIntervalMs) {
      this.schedule(this.lastSendAt + this.minIntervalMs - now);
      return false;
    }
    return true;
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wakeSenders();
    }, Math.max(1, ms));
  }

  private wakeSenders(): void {
    // One at a time: each woken sender re-checks, and the first one to send fills the window again.
    const waiters = this.sendWaiters.splice(0);
    for (const wake of waiters) wake();
  }

  private transmit(frame: FrameData): Promise<FrameAnswerMessage> {
    const index = this.nextIndex++;
    const answer = new Promise<FrameAnswerMessage>((resolve, reject) => this.pending.set(index, { sentAt: now(), resolve, reject }));
    this.lastSendAt = Date.now();
    (this.ws as WebSocketLike).send(frame);
    return answer;
  }

  private control(kind: ControlWaiter['kind'], message: object): Promise<ConfiguredMessage | ResetMessage> {
    const ws = this.ws;
    if (this.finished) return Promise.reject(this.finished);
    if (!ws || ws.readyState !== OPEN || !this.started) return Promise.reject(new FramewireClientError('connection_closed', 'no open session'));
    return new Promise((resolve, reject) => {
      this.controls.push({ kind, resolve, reject });
      ws.send(JSON.stringify(message));
    });
  }

  private openSession(): Promise<void> {
    const { Ctor, takesHeaders } = this.impl as WebSocketImpl;
    const headers = takesHeaders && this.options.token !== undefined ? { headers: { Authorization: `Bearer ${this.options.token}` } } : undefined;
    const ws = new Ctor(streamUrl(this.options, !takesHeaders), headers);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.started = undefined;
    this.fatal = undefined;
    this.draining = false;
    this.nextIndex = 0;
    let upgradeError: string | undefined;
    return new Promise<void>((resolve, reject) => {
      let opening = true;
      const timeout = setTimeout(() => {
        if (!opening) return;
        opening = false;
        ws.close();
        reject(new FramewireClientError('connect_timeout', `no session_started within ${this.options.connectTimeoutMs ?? 10_000} ms`));
      }, this.options.connectTimeoutMs ?? 10_000);
      const opened = (): void => {
        opening = false;
        clearTimeout(timeout);
        resolve();
      };
      ws.onerror = (event) => {
        // ws (Node) says why an upgrade was refused: "Unexpected server response: 401". Browsers say nothing.
        upgradeError = event.message ?? (event.error instanceof Error ? event.error.message : undefined);
      };
      ws.onmessage = (event) => {
        if (typeof event.data !== 'string') return;
        const message = JSON.parse(event.data) as Record<string, unknown>;
        if (message.event === 'session_started') {
          this.started = message as unknown as SessionStartedMessage;
          this.lastSessionId = this.started.session_id;
          this.afterStart().then(opened, (err: FramewireClientError) => {
            opening = false;
            clearTimeout(timeout);
            reject(err);
          });
          return;
        }
        this.onMessage(message, event.data);
      };
      ws.onclose = (event) => {
        if (this.ws !== ws) return;
        const refused = upgradeError?.match(/Unexpected server response: (\d+)/);
        const error = this.fatal
          ? new FramewireClientError(this.fatal.error, this.fatal.detail, event.code, this.fatal.frame_index)
          : refused
            ? new FramewireClientError('upgrade_refused', `the server refused the WebSocket upgrade with HTTP ${refused[1]}`, event.code)
            : new FramewireClientError('connection_closed', `closed ${event.code}${event.reason ? ` (${event.reason})` : ''}${upgradeError ? `: ${upgradeError}` : ''}`, event.code);
        this.onClose(event.code, event.reason, error, refused ? Number(refused[1]) : undefined);
        if (opening) {
          opening = false;
          clearTimeout(timeout);
          reject(error);
        }
      };
    });
  }

  /** Set while a reconnect is under way: settles when a new session is open, or the SDK gave up. */
  private reopened: Promise<void> = Promise.resolve();

  /** After session_started: re-applies the configuration, then lets frames flow. */
  private async afterStart(): Promise<void> {
    if (this.configuration) await this.configure(this.configuration);
    this.wakeSenders();
  }

  private onMessage(message: Record<string, unknown>, text: string): void {
    if (typeof message.frame_index === 'number' && ('result' in message || 'dropped' in message || ('error' in message && !endsSession(message.error as string)))) {
      const answer = message as unknown as FrameAnswerMessage;
      const pending = this.pending.get(answer.frame_index);
      received.set(answer, { text, latencyMs: pending && now() - pending.sentAt });
      this.pending.delete(answer.frame_index);
      for (const queue of this.answerQueues) queue.push(answer);
      pending?.resolve(answer);
      this.wakeSenders();
      return;
    }
    if (message.warning === 'slow_down') {
      const warning = message as unknown as SlowDownMessage;
      if (warning.suggested_fps > 0) {
        this.minIntervalMs = 1000 / warning.suggested_fps;
        this.paceUntil = Date.now() + SLOW_DOWN_HOLD_MS;
      }
      this.emit('slow_down', warning);
      return;
    }
    if (message.event === 'configured' || message.event === 'reset') {
      const index = this.controls.findIndex((c) => c.kind === (message.event === 'configured' ? 'configure' : 'reset'));
      const [waiter] = index >= 0 ? this.controls.splice(index, 1) : [];
      waiter?.resolve(message as unknown as ConfiguredMessage | ResetMessage);
      if (message.event === 'configured') this.emit('configured', message as unknown as ConfiguredMessage);
      else this.emit('reset', message as unknown as ResetMessage);
      return;
    }
    if (message.event === 'draining') {
      this.draining = true; // no new frames: every frame sent is answered, then the close (1001) follows
      this.emit('draining', message as unknown as DrainingMessage);
      return;
    }
    if (typeof message.error === 'string') {
      const error = message as unknown as SessionErrorMessage;
      if (error.error === 'invalid_config') {
        const index = this.controls.findIndex((c) => c.kind === 'configure');
        const [waiter] = index >= 0 ? this.controls.splice(index, 1) : [];
        waiter?.reject(new FramewireClientError('invalid_config', error.detail));
        return;
      }
      this.fatal ??= error; // the session ends: the close follows
    }
  }

  /**
   * The socket closed: fails what was waiting on it, then reconnects or finishes. `refusedStatus` is the HTTP
   * status of a refused upgrade, when the WebSocket implementation says it (ws does; browsers report 1006).
   */
  private onClose(code: number, reason: string, error: FramewireClientError, refusedStatus: number | undefined): void {
    this.ws = undefined;
    this.started = undefined;
    for (const [, frame] of this.pending) frame.reject(error);
    this.pending.clear();
    for (const waiter of this.controls.splice(0)) waiter.reject(error);
    const r = this.reconnectOptions;
    const retryable = refusedStatus === undefined ? RETRYABLE_CLOSE_CODES.includes(code) : RETRYABLE_UPGRADE_STATUSES.includes(refusedStatus);
    const willReconnect = !this.userClosed && r !== undefined && retryable && this.attempts < r.maxAttempts;
    const event: CloseEvent = { code, reason, willReconnect, ...(this.fatal && { error }) };
    this.emit('close', event);
    if (!willReconnect) {
      this.finish(error, event);
      return;
    }
    this.attempts += 1;
    const attempt = this.attempts;
    const delayMs = Math.min(r.maxDelayMs, r.initialDelayMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
    this.emit('reconnecting', { attempt, delayMs: Math.round(delayMs), closeCode: code });
    this.reopened = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        if (this.userClosed) {
          reject(error);
          return;
        }
        const previousSessionId = this.lastSessionId;
        this.openSession().then(
          () => {
            this.attempts = 0;
            this.emit('reconnect', { attempt, previousSessionId, sessionId: this.started?.session_id as string });
            resolve();
          },
          // A failed attempt closed its socket, and onClose has scheduled the next one (or finished).
          () => this.afterFailedAttempt().then(resolve, reject),
        );
      }, delayMs);
    });
    this.reopened.catch(() => undefined);
  }

  private finish(error: FramewireClientError, event: CloseEvent): void {
    this.finished = this.userClosed ? new FramewireClientError('closed', 'closed by the client', event.code) : error;
    this.lastClose = event;
    clearTimeout(this.timer);
    this.wakeSenders();
    for (const queue of this.answerQueues) queue.push(undefined);
    this.resolveClosed?.(event);
  }
}

/** Opens a stream session; resolves once the server has started it (and configured zones/lines, if given). */
export async function connect(options: ConnectOptions): Promise<StreamClient> {
  const client = new StreamClient(options);
  await client.open();
  return client;
}
