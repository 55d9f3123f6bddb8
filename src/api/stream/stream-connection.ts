/**
 * One WebSocket session's socket I/O: hands every message to the stream
 * service, writes each answer the service emits, closes when told, and keeps
 * the heartbeat. It holds no stream state: the session lives in StreamService.
 */
import type { WebSocket } from 'ws';

import { FramewireError } from '../../errors';
import type { Logger } from '../../logger';
import type { ServerMessage } from '../../protocol/messages';
import type { SessionOutput, SessionRequest, StreamAnswer, StreamService, StreamSession } from '../../services/streaming';

export interface ConnectionOptions {
  /** Unsent output above which the peer is treated as not reading, bytes. */
  readonly maxBufferedBytes: number;
  /** Ping interval, ms; a peer that leaves two pings unanswered is cut. */
  readonly heartbeatMs: number;
  readonly maxFrameBytes: number;
  /** This server's instance id (FRAMEWIRE_INSTANCE_ID), told in session_started. */
  readonly instanceId: string;
}

/** How long a peer that does not complete the close handshake gets before the socket is cut, ms. */
const CLOSE_GRACE_MS = 2000;

/** A message as text: typed against src/protocol, the shapes the SDK reads and docs/asyncapi.yaml describes. */
const text = (message: ServerMessage): string => JSON.stringify(message);

/** The error message as the protocol sends it. */
function errorMessage(error: FramewireError, frameIndex?: number): string {
  return text(frameIndex === undefined ? error.toJSON() : { ...error.toJSON(), frame_index: frameIndex });
}

export class StreamConnection implements SessionOutput {
  private session: StreamSession | undefined;
  private unansweredPings = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly service: StreamService,
    private readonly options: ConnectionOptions,
    private readonly log: Logger,
  ) {
    ws.on('error', (err) => log.info({ err: err.message }, 'stream socket error'));
  }

  /** Opens the session and starts reading; a refused one gets its error and the close code. */
  start(request: SessionRequest, remote: string): void {
    const opened = this.service.open(request, this, remote);
    if (opened instanceof FramewireError) {
      this.ws.send(errorMessage(opened));
      this.close(opened.wsCloseCode ?? 1011, opened.code);
      return;
    }
    const session = opened;
    this.session = session;
    // Reading never pauses: after a fatal error the service ignores further
    // frames, and the socket must still read the peer's close reply.
    this.ws.on('message', (data, isBinary) => this.service.receive(session, data as Buffer, isBinary));
    this.ws.on('pong', () => (this.unansweredPings = 0));
    this.ws.once('close', (code: number) => {
      clearInterval(this.heartbeat);
      this.closing = true;
      this.service.disconnected(session, code);
    });
    this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
    this.heartbeat.unref();
    this.ws.send(text({
      event: 'session_started',
      session_id: session.sessionId,
      pipeline_id: session.pipelineId,
      max_frame_bytes: this.options.maxFrameBytes,
      instance_id: this.options.instanceId,
    }));
  }

  /** Pings the peer; one that left two pings unanswered is cut. */
  private beat(): void {
    if (this.unansweredPings >= 2) {
      this.log.info({ session_id: this.session?.sessionId }, 'peer missed two pongs; terminating');
      this.ws.terminate();
      return;
    }
    this.unansweredPings += 1;
    this.ws.ping();
  }

  answer(answer: StreamAnswer): void {
    switch (answer.type) {
      // ResultMessage and DroppedMessage are spliced as text on the hot path: the engine's JSON goes out unparsed.
      case 'result':
        this.send(`{"frame_index":${answer.frameIndex},"result":${answer.json}}`);
        break;
      case 'dropped':
        this.send(`{"frame_index":${answer.frameIndex},"dropped":true,"cause":"${answer.cause}"}`);
        break;
      case 'frame_error':
        this.send(text({ frame_index: answer.frameIndex, error: answer.error.code, detail: answer.error.detail }));
        break;
      case 'slow_down': {
        const { drop_rate, suggested_fps } = answer.warning;
        this.send(text({
          warning: 'slow_down',
          detail: `${Math.round(drop_rate * 100)}% of your recent frames were dropped; send at most ${suggested_fps} frames/s`,
          drop_rate,
          suggested_fps,
        }));
        break;
      }
      case 'configured':
        this.send(text({ event: 'configured', track: answer.track, zones: answer.zones, lines: answer.lines }));
        break;
      case 'reset':
        this.send('{"event":"reset"}');
        break;
      case 'control_error':
        this.send(errorMessage(answer.error));
        break;
      case 'draining':
        this.send(text({ event: 'draining', detail: answer.detail }));
        break;
      case 'end':
        if (answer.error) this.ws.send(errorMessage(answer.error, answer.frameIndex));
        this.close(answer.code, answer.reason);
        break;
    }
  }

  terminate(): void {
    this.ws.terminate();
  }

  private send(text: string): void {
    if (this.closing) return;
    this.ws.send(text);
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes && this.session) {
      // The peer is not reading: answering more would only grow our memory.
      this.service.clientTooSlow(this.session, this.ws.bufferedAmount, this.options.maxBufferedBytes);
    }
  }

  /** Starts the close handshake; a peer that never completes it is cut after a grace period. */
  private close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.ws.close(code, reason);
    const timer = setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS);
    timer.unref();
    this.ws.once('close', () => clearTimeout(timer));
  }
}
