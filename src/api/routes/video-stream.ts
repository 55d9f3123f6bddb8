/**
 * GET /ws/video/stream?pipeline_id=ID: the real-time endpoint. ws runs in
 * noServer mode on the Express HTTP server's `upgrade` event, so refusals
 * (404, 401, 403, 503) are plain HTTP answers before any WebSocket exists.
 * Each accepted socket gets a StreamConnection (socket I/O); the session
 * itself lives in the StreamService.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

import { WebSocketServer, type WebSocket } from 'ws';

import type { StreamConfig } from '../../config';
import { FramewireError } from '../../errors';
import type { Logger } from '../../logger';
import type { SessionRequest, StreamService } from '../../services/streaming';
import { StreamConnection } from '../stream/stream-connection';
import { checkUpgrade, redactedUrl } from '../stream/upgrade-gate';

export interface VideoStreamDeps {
  readonly streams: StreamService;
  readonly config: StreamConfig;
  /** Sent in every session_started, so a client behind a load balancer knows which instance serves it. */
  readonly instanceId: string;
  readonly log: Logger;
}

function refuseUpgrade(socket: Duplex, error: FramewireError): void {
  const body = JSON.stringify(error.toJSON());
  socket.end(
    `HTTP/1.1 ${error.httpStatus} ${STATUS_CODES[error.httpStatus]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export class VideoStreamEndpoint {
  private readonly wss: WebSocketServer;

  constructor(private readonly deps: VideoStreamDeps) {
    // Messages over twice the limit are cut by ws (close 1009) without being buffered whole;
    // between the limit and twice it, the validator answers frame_too_large.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 2 * deps.config.maxFrameBytes, clientTracking: false });
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.deps.log.debug({ err }, 'upgrade socket error'));
    const verdict = checkUpgrade({ url: req.url ?? '/', headers: req.headers }, this.deps.config, this.deps.streams.accepting);
    if (verdict instanceof FramewireError) {
      this.deps.log.info({ error: verdict.code, remote: req.socket.remoteAddress, url: redactedUrl(req.url ?? '/') }, 'stream upgrade refused');
      refuseUpgrade(socket, verdict);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, verdict));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage, request: SessionRequest): void {
    const { config, streams, log } = this.deps;
    const remote = req.socket.remoteAddress ?? 'unknown';
    const connection = new StreamConnection(ws, streams, { maxBufferedBytes: config.maxBufferedBytes, heartbeatMs: config.heartbeatMs, maxFrameBytes: config.maxFrameBytes, instanceId: this.deps.instanceId }, log.child({ remote }));
    connection.start(request, remote);
  }

  /**
   * Shuts the stream service down gracefully within `deadlineMs` (see StreamService.shutdown: grace, then
   * draining, quiet, close); upgrades meanwhile get 503.
   */
  async shutdown(deadlineMs: number = this.deps.config.shutdownTimeoutMs): Promise<void> {
    const { drainGraceMs, drainQuietMs } = this.deps.config;
    await this.deps.streams.shutdown({ deadlineMs, graceMs: drainGraceMs, quietMs: drainQuietMs });
    this.wss.close();
  }
}
