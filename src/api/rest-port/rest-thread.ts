/**
 * The main thread's side of the REST port (FRAMEWIRE_REST_PORT): starts rest-worker.js, answers its
 * messages against the real InferenceGate (the one scheduler), and drains it at shutdown. The admissions it
 * holds for the thread live here, by request id, until each runs or is released.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';

import { FramewireError, toFramewireError } from '../../errors';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import type { Admission, InferenceGate } from '../../services/streaming';
import type { ErrorData, FromRestThread, RestWorkerData, ToRestThread } from './messages';

/** How long past its drain deadline the REST thread has to close its sockets and reply. */
const CLOSE_SLACK_MS = 200;

/** The REST thread's settings from the server's config; `slots` is the scheduler's capacity. */
export function restWorkerData(config: Config, slots: number): RestWorkerData {
  return {
    port: config.restPort ?? 0,
    host: config.host,
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    requestTimeoutMs: config.httpRequestTimeoutMs,
    maxHeaderBytes: config.httpMaxHeaderBytes,
    maxFrameBytes: config.maxFrameBytes,
    // With no stream session open HTTP may hold every slot: the bound allows for that, so the thread never
    // refuses a request the scheduler would have taken.
    maxOutstanding: config.maxQueuedRequests + slots,
    corsOrigins: config.corsOrigins,
    authToken: config.authToken,
    logLevel: config.logLevel,
  };
}

const errorData = (error: FramewireError): ErrorData => ({ code: error.code, detail: error.detail, internalDetail: error.internalDetail });

export class RestThread {
  private readonly admissions = new Map<number, Admission>();
  private closing = false;
  private closedReply?: (unanswered: number) => void;

  private constructor(private readonly worker: Worker) {}

  /**
   * Starts the thread and resolves with it and the port it listens on (the real one when
   * FRAMEWIRE_REST_PORT is 0); rejects when it cannot listen (the port is taken, say).
   * @param onBusy called with the requests the thread refused by itself (server_busy), for the metrics.
   * @param onFailure called if the thread stops while the server runs: the REST port no longer answers.
   */
  static async start(settings: RestWorkerData, gate: InferenceGate, log: Logger, onBusy: (refused: number) => void, onFailure: (err: Error) => void): Promise<{ thread: RestThread; port: number }> {
    const worker = new Worker(path.join(__dirname, 'rest-worker.js'), { workerData: settings, name: 'fw-rest' });
    const thread = new RestThread(worker);
    // Handlers first: a request may be admitted in the same turn the thread reports it listens.
    worker.on('message', (m: FromRestThread) => (m.type === 'busy' ? onBusy(m.count) : thread.handle(m, gate, log)));
    worker.on('error', (err) => log.error({ err }, 'REST thread failed'));
    let listening = false;
    worker.on('exit', (code) => {
      thread.releaseAll();
      if (listening && !thread.closing) onFailure(new Error(`the REST thread exited with code ${code}`));
    });
    const port = await new Promise<number>((resolve, reject) => {
      const onMessage = (m: FromRestThread): void => {
        if (m.type === 'listening') finish(() => resolve(m.port));
        else if (m.type === 'listen_failed') finish(() => reject(new Error(`FRAMEWIRE_REST_PORT ${settings.port}: ${m.message}`)));
      };
      const onExit = (code: number): void => finish(() => reject(new Error(`the REST thread exited with code ${code} before listening`)));
      const finish = (settle: () => void): void => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        settle();
      };
      worker.on('message', onMessage);
      worker.on('exit', onExit);
    }).catch(async (err: unknown) => {
      thread.closing = true;
      await worker.terminate();
      throw err;
    });
    listening = true;
    return { thread, port };
  }

  /** Tells the thread whether /readyz is 200, and whether new requests are accepted. */
  setState(ready: boolean, accepting: boolean): void {
    this.post({ type: 'state', ready, accepting });
  }

  /**
   * Stops accepting, lets the thread answer what it accepted within deadlineMs (their frames still run here),
   * closes its listener and ends it. Resolves with the requests it had to cut, or -1 if it did not reply.
   */
  async close(deadlineMs: number): Promise<number> {
    this.closing = true;
    const reply = new Promise<number>((resolve) => (this.closedReply = resolve));
    this.post({ type: 'close', deadlineMs });
    // A little more than the deadline for its sockets to close, then the thread is ended regardless.
    const unanswered = await Promise.race([reply, new Promise<number>((resolve) => setTimeout(() => resolve(-1), deadlineMs + CLOSE_SLACK_MS).unref())]);
    await this.worker.terminate();
    return unanswered;
  }

  private handle(m: FromRestThread, gate: InferenceGate, log: Logger): void {
    switch (m.type) {
      case 'admit':
        this.answer(m.id, 'admitting a REST-port request', log, () => gate.admit(m.pipelineId, m.query), (admission) => {
          this.admissions.set(m.id, admission);
          this.post({ type: 'admitted', id: m.id });
        });
        break;
      case 'run': {
        const admission = this.admissions.get(m.id);
        this.admissions.delete(m.id);
        if (!admission) {
          this.post({ type: 'error', id: m.id, error: errorData(new FramewireError('internal_error', 'request was not admitted')) });
          break;
        }
        // Buffer.from(ArrayBuffer) is a view: the moved body is passed on (and pinned by the engine) uncopied.
        this.answer(m.id, 'running a REST-port request', log, () => admission.run(Buffer.from(m.bytes)), (json) => this.post({ type: 'answer', id: m.id, json }));
        break;
      }
      case 'release':
        this.admissions.get(m.id)?.release();
        this.admissions.delete(m.id);
        break;
      case 'pipelines':
        this.answer(m.id, 'listing pipelines for the REST thread', log, () => gate.pipelines(), (list) => this.post({ type: 'pipelines', id: m.id, list }));
        break;
      case 'closed':
        this.closedReply?.(m.unanswered);
        break;
      default:
        break;
    }
  }

  /**
   * Runs `work` for request `id` and hands its value to `answered`. A FramewireError value is posted to the
   * thread as the request's error; so is a throw or a rejection (a fault of ours, logged): every request the
   * thread asks about gets an answer, and none crashes the process.
   */
  private answer<T>(id: number, what: string, log: Logger, work: () => T | FramewireError | Promise<T | FramewireError>, answered: (value: T) => void): void {
    void Promise.resolve()
      .then(work)
      .then(
        (value) => {
          if (value instanceof FramewireError) this.post({ type: 'error', id, error: errorData(value) });
          else answered(value);
        },
        (err: unknown) => {
          log.error({ err }, `${what} failed`);
          this.post({ type: 'error', id, error: errorData(toFramewireError(err)) });
        },
      );
  }

  /** The thread is gone: the places it held go back to the scheduler. */
  private releaseAll(): void {
    for (const admission of this.admissions.values()) admission.release();
    this.admissions.clear();
  }

  private post(message: ToRestThread): void {
    this.worker.postMessage(message);
  }
}
