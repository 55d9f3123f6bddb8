/**
 * The InferenceGate of the REST port's thread: each call is a message to the main thread, which runs it
 * against the real gate (rest-thread.ts) and answers by id.
 */
import type { MessagePort } from 'node:worker_threads';

import { FramewireError } from '../../errors';
import type { Admission, InferenceGate, PipelineList } from '../../services/streaming';
import type { ErrorData, FromRestThread, ToRestThread } from './messages';

type Pending = (message: ToRestThread) => void;

/** A burst's refusals reach the main thread's metrics as one message, not one each. */
const BUSY_REPORT_MS = 100;

const toError = (error: ErrorData): FramewireError => new FramewireError(error.code, error.detail, error.internalDetail);

/** Moves a body's bytes to the main thread without a copy when the Buffer owns its whole ArrayBuffer. */
function movable(bytes: Buffer): ArrayBuffer {
  // Bodies under 4 KiB may sit in Node's shared Buffer pool: moving that would detach it under other Buffers.
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export class RemoteGate implements InferenceGate {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Requests between admit and their answer (or release). */
  private outstanding = 0;
  /** Refused here and not yet reported to the main thread: reported at most every BUSY_REPORT_MS, as one message. */
  private unreportedBusy = 0;

  /**
   * @param maxOutstanding the most requests this thread lets ask at once: the HTTP lane's bound plus every
   *   slot. Beyond it the main thread would refuse too; refusing here spares it the round trip,
   *   so the bulk of a burst costs the streams' event loop nothing. The main thread's scheduler still decides
   *   for every request that asks.
   */
  constructor(
    private readonly port: MessagePort,
    private readonly maxOutstanding: number,
  ) {}

  /** Routes an answer from the main thread to the call waiting for it. */
  deliver(message: ToRestThread): void {
    if (!('id' in message)) return;
    const resolve = this.pending.get(message.id);
    this.pending.delete(message.id);
    resolve?.(message);
  }

  pipelines(): Promise<PipelineList> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => (m.type === 'pipelines' ? resolve(m.list) : reject(m.type === 'error' ? toError(m.error) : new Error(`unexpected ${m.type}`))));
      this.send({ type: 'pipelines', id });
    });
  }

  admit(pipelineId: string, query: string): Promise<Admission | FramewireError> {
    if (this.outstanding >= this.maxOutstanding) {
      this.countBusy();
      return Promise.resolve(new FramewireError('server_busy', `${this.outstanding} HTTP requests are already waiting for a slot or running; retry shortly`));
    }
    this.outstanding += 1;
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (m) => {
        if (m.type === 'admitted') {
          resolve(this.admission(id));
          return;
        }
        this.outstanding -= 1;
        resolve(m.type === 'error' ? toError(m.error) : new FramewireError('internal_error', `unexpected ${m.type}`));
      });
      this.send({ type: 'admit', id, pipelineId, query });
    });
  }

  private admission(id: number): Admission {
    let held = true;
    return {
      run: (bytes) => {
        held = false;
        return new Promise<string | FramewireError>((resolve) => {
          this.pending.set(id, (m) => {
            this.outstanding -= 1;
            resolve(m.type === 'answer' ? m.json : m.type === 'error' ? toError(m.error) : new FramewireError('internal_error', `unexpected ${m.type}`));
          });
          const moved = movable(bytes);
          this.port.postMessage({ type: 'run', id, bytes: moved } satisfies FromRestThread, [moved]);
        });
      },
      release: () => {
        if (!held) return;
        held = false;
        this.outstanding -= 1;
        this.send({ type: 'release', id });
      },
    };
  }

  private countBusy(): void {
    if (this.unreportedBusy++ > 0) return; // a report is already due
    setTimeout(() => {
      this.send({ type: 'busy', count: this.unreportedBusy });
      this.unreportedBusy = 0;
    }, BUSY_REPORT_MS).unref();
  }

  private send(message: FromRestThread): void {
    this.port.postMessage(message);
  }
}
