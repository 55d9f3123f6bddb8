/** A real ws client for the streaming tests: records every message and the close. */
import WebSocket, { type ClientOptions } from 'ws';

import { checkServerMessage } from './protocol-schemas';

export type Message = Record<string, unknown>;

export class StreamClient {
  readonly messages: Message[] = [];
  /** Messages that docs/asyncapi.yaml does not describe (checked by the tests through `answers`/`waitFor`). */
  readonly protocolViolations: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private listeners: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      const message = isBinary ? { binary: true } : (JSON.parse(data.toString()) as Message);
      // Every message any stream test receives must be one docs/asyncapi.yaml describes.
      const problem = checkServerMessage(message);
      if (problem) this.protocolViolations.push(problem);
      this.messages.push(message);
      for (const l of this.listeners) l();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const l of this.listeners) l();
    }));
    ws.on('error', () => {}); // the close event carries what the tests check
  }

  /** Opens a session; resolves once the socket is open (before session_started may arrive). */
  static connect(url: string, options: ClientOptions = {}): Promise<StreamClient> {
    const ws = new WebSocket(url, options);
    const client = new StreamClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  /** Connects and waits for session_started: a session ready for frames. */
  static async session(url: string, options: ClientOptions = {}): Promise<StreamClient> {
    const client = await StreamClient.connect(url, options);
    await client.waitFor((m) => m.event === 'session_started');
    return client;
  }

  /** Resolves with the first recorded message matching `predicate` (waiting up to `timeoutMs`). */
  waitFor(predicate: (m: Message) => boolean, timeoutMs = 20_000): Promise<Message> {
    return this.until(() => this.messages.find(predicate), timeoutMs, 'a matching message');
  }

  /** Resolves once `count` messages matching `predicate` are recorded. */
  waitForCount(predicate: (m: Message) => boolean, count: number, timeoutMs = 30_000): Promise<Message[]> {
    return this.until(() => {
      const found = this.messages.filter(predicate);
      return found.length >= count ? found : undefined;
    }, timeoutMs, `${count} matching messages`);
  }

  private until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        if (this.protocolViolations.length > 0) {
          cleanup();
          reject(new Error(`the server sent a message docs/asyncapi.yaml does not describe: ${this.protocolViolations[0]}`));
          return true;
        }
        const value = check();
        if (value === undefined) return false;
        cleanup();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))}`));
      }, timeoutMs);
      const listener = (): void => void attempt();
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
      attempt();
    });
  }

  send(frame: Buffer): void {
    this.ws.send(frame);
  }

  /** Sends each frame once the previous one is answered: a client pacing itself below capacity. */
  async sendPaced(frames: Buffer[]): Promise<void> {
    for (const frame of frames) {
      const answered = this.answers().length;
      this.send(frame);
      await this.until(() => (this.answers().length > answered ? true : undefined), 20_000, 'an answer');
    }
  }

  /** Messages that answer a frame: result, dropped or a per-frame error. */
  answers(): Message[] {
    if (this.protocolViolations.length > 0) throw new Error(`the server sent a message docs/asyncapi.yaml does not describe: ${this.protocolViolations[0]}`);
    return this.messages.filter((m) => typeof m.frame_index === 'number');
  }

  close(): void {
    this.ws.close();
  }
}

export const isResult = (m: Message): boolean => typeof m.frame_index === 'number' && 'result' in m;
export const isDropped = (m: Message): boolean => m.dropped === true;
