/**
 * GET /ws/video/stream?pipeline_id=ID: the real-time endpoint. ws runs in
 * noServer mode on the Express HTTP server's `upgrade` event, so refusals
 * (404, 401, 403, 503) are plain HTTP answers before any WebSocket exists.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';

import { WebSocketServer, type WebSocket } from 'ws';

import type { StreamConfig } from '../../config';
import { FramewireError } from '../../errors';
import type { Logger } from '../../logger';
import type { Metrics } from '../../metrics';
import type { VideoFilePipelineService } from '../../services/pipeline';
import { FrameScheduler, SessionManager } from '../../services/streaming';
import { StreamConnection } from '../stream/stream-connection';
import { checkUpgrade } from '../stream/upgrade-gate';

export interface VideoStreamDeps {
  readonly service: VideoFilePipelineService;
  readonly config: StreamConfig;
  /** The pixel limit shared with HTTP (FRAMEWIRE_MAX_FRAME_PIXELS). */
  readonly maxFramePixels: number;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => number;
}

function refuseUpgrade(socket: Duplex, error: FramewireError): void {
  const body = JSON.stringify(error.toJSON());
  socket.end(
    `HTTP/1.1 ${error.httpStatus} ${STATUS_CODES[error.httpStatus]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export class VideoStreamEndpoint {
  readonly sessions: SessionManager;
  readonly scheduler: FrameScheduler<StreamConnection>;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<StreamConnection>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly now: () => number;
  private accepting = true;

  constructor(private readonly deps: VideoStreamDeps) {
    const { config, service } = deps;
    this.now = deps.now ?? (() => performance.now());
    this.sessions = new SessionManager(this.now, {
      maxFrameAgeMs: config.maxFrameAgeMs,
      slowDownWindow: config.slowDownWindow,
      slowDownDropRate: config.slowDownDropRate,
      slowDownIntervalMs: config.slowDownIntervalMs,
    });
    this.scheduler = new FrameScheduler<StreamConnection>({
      // Live frames only take an idle slot, never a staged place (see InferenceLimiter.hasIdleSlot).
      hasCapacity: () => service.limiter.hasIdleSlot(),
      run: (conn, frame) => conn.run(frame),
      drop: (conn, frame, cause) => conn.drop(frame, cause),
      isStale: (conn, receivedAt) => conn.session.shouldDropFrame(receivedAt),
    });
    // HTTP requests share the engine: when one leaves it, a waiting stream frame may take its place.
    service.limiter.onCapacityFreed(() => this.scheduler.pump());
    // Messages over twice the limit are cut by ws (close 1009) without being buffered whole;
    // between the limit and twice it, the validator answers frame_too_large.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 2 * config.maxFrameBytes, clientTracking: false });
    this.heartbeat = setInterval(() => this.beat(), config.heartbeatMs);
    this.heartbeat.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  get activeSessions(): number {
    return this.connections.size;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.deps.log.debug({ err }, 'upgrade socket error'));
    const verdict = checkUpgrade({ url: req.url ?? '/', headers: req.headers }, this.deps.config, this.accepting);
    if (verdict instanceof FramewireError) {
      this.deps.log.info({ error: verdict.code, remote: req.socket.remoteAddress, url: req.url }, 'stream upgrade refused');
      refuseUpgrade(socket, verdict);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, verdict.pipelineId));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage, pipelineId: string): void {
    const { service, config, metrics } = this.deps;
    const remote = req.socket.remoteAddress ?? 'unknown';
    ws.on('error', (err) => this.deps.log.info({ err: err.message, remote }, 'stream socket error'));
    const refuse = (error: FramewireError): void => {
      metrics.framesRejected.inc({ pipeline_id: pipelineId || 'none', error: error.code });
      this.deps.log.info({ error: error.code, detail: error.detail, remote, pipeline_id: pipelineId }, 'stream session refused');
      ws.send(JSON.stringify(error.toJSON()));
      ws.close(error.wsCloseCode ?? 1011, error.code);
    };
    if (!service.isValidPipeline(pipelineId)) {
      refuse(new FramewireError('invalid_pipeline', pipelineId ? `no pipeline "${pipelineId}"; GET /v1/pipelines lists them` : 'the pipeline_id query parameter is required'));
      return;
    }
    if (!service.ready) return refuse(new FramewireError('not_ready', 'models are still loading; retry when /readyz answers 200'));
    if (this.connections.size >= config.maxSessions) return refuse(new FramewireError('server_busy', `the server holds its maximum of ${config.maxSessions} sessions`));

    const session = this.sessions.create(pipelineId);
    const log = this.deps.log.child({ session_id: session.sessionId, pipeline_id: pipelineId });
    const conn = new StreamConnection(ws, session, remote, {
      scheduler: this.scheduler,
      limits: { maxBytes: config.maxFrameBytes, maxPixels: this.deps.maxFramePixels },
      maxBufferedBytes: config.maxBufferedBytes,
      metrics,
      log,
      now: this.now,
      runFrame: (id, bytes) => service.runOnFrame(id, bytes),
    });
    this.connections.add(conn);
    this.scheduler.addSession(conn);
    metrics.sessionsActive.inc({ pipeline_id: pipelineId });
    log.info({ remote }, 'stream_connect');
    ws.send(JSON.stringify({ event: 'session_started', session_id: session.sessionId, pipeline_id: pipelineId, max_frame_bytes: config.maxFrameBytes }));

    ws.once('close', (code: number) => {
      conn.markClosed();
      this.connections.delete(conn);
      metrics.sessionsActive.dec({ pipeline_id: pipelineId });
      // The peer is gone: a waiting frame is discarded, an in-flight one finishes unseen.
      void this.scheduler.closeSession(conn).then(() => {
        this.sessions.destroy(session.sessionId);
        log.info(
          {
            remote,
            close_code: code,
            duration_ms: Math.round(this.now() - session.startedAt),
            frames_received: session.receivedFrames,
            frames_processed: session.processedFrames,
            frames_dropped: session.totalDropped,
            frames_failed: session.failedFrames,
          },
          'stream_disconnect',
        );
      });
    });
  }

  /** Pings every peer; one that left two pings unanswered is terminated. */
  private beat(): void {
    for (const conn of this.connections) {
      if (conn.unansweredPings >= 2) {
        this.deps.log.info({ session_id: conn.session.sessionId }, 'peer missed two pongs; terminating');
        conn.ws.terminate();
        continue;
      }
      conn.unansweredPings += 1;
      conn.ws.ping();
    }
  }

  /**
   * Stops accepting sessions, answers every accepted frame (in flight:
   * result; waiting: dropped/shutdown), closes every session 1001. Resolves
   * when all are closed, or cuts the rest at the deadline.
   */
  async shutdown(deadlineMs: number = this.deps.config.shutdownTimeoutMs): Promise<void> {
    this.accepting = false;
    clearInterval(this.heartbeat);
    const all = [...this.connections];
    const closed = Promise.all(all.map(async (conn) => {
      await conn.shutdown();
      await conn.closed;
    }));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
    const outcome = await Promise.race([closed.then(() => 'closed' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      this.deps.log.warn({ open: this.connections.size }, 'shutdown deadline reached; cutting remaining sessions');
      for (const conn of this.connections) conn.ws.terminate();
    }
    this.wss.close();
  }
}
