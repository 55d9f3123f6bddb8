/**
 * Prometheus metrics (prom-client), one registry per server instance so tests
 * can run several servers in one process. Labels are pipeline_id (and cause or
 * error), never session_id: cardinality stays bounded by configuration.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { InferenceLimiter } from './services/pipeline';

const MS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56];

export class Metrics {
  readonly registry = new Registry();
  readonly sessionsActive = new Gauge({ name: 'framewire_stream_sessions_active', help: 'Open streaming sessions.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly framesReceived = new Counter({ name: 'framewire_stream_frames_received_total', help: 'Binary frames received on streams.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly framesProcessed = new Counter({ name: 'framewire_stream_frames_processed_total', help: 'Stream frames answered with a result.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly framesDropped = new Counter({ name: 'framewire_stream_frames_dropped_total', help: 'Stream frames answered as dropped, by cause.', labelNames: ['pipeline_id', 'cause'], registers: [this.registry] });
  readonly framesFailed = new Counter({ name: 'framewire_stream_frames_failed_total', help: 'Stream frames answered with pipeline_failure.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly framesRejected = new Counter({ name: 'framewire_stream_frames_rejected_total', help: 'Stream messages or sessions refused, by error code.', labelNames: ['pipeline_id', 'error'], registers: [this.registry] });
  readonly slowDownSent = new Counter({ name: 'framewire_stream_slowdown_warnings_total', help: 'slow_down warnings sent.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly queueWait = new Histogram({ name: 'framewire_stream_queue_wait_seconds', help: 'Time from receiving a stream frame to starting it.', labelNames: ['pipeline_id'], buckets: MS_BUCKETS, registers: [this.registry] });
  readonly decode = new Histogram({ name: 'framewire_frame_decode_seconds', help: 'JPEG header check and decode per frame.', labelNames: ['pipeline_id'], buckets: MS_BUCKETS, registers: [this.registry] });
  readonly inference = new Histogram({ name: 'framewire_frame_inference_seconds', help: 'Pre-processing and forward, all nodes, per frame.', labelNames: ['pipeline_id'], buckets: MS_BUCKETS, registers: [this.registry] });
  readonly total = new Histogram({ name: 'framewire_frame_total_seconds', help: 'Native time per frame (decode, inference, post-processing).', labelNames: ['pipeline_id'], buckets: MS_BUCKETS, registers: [this.registry] });

  constructor(limiter: InferenceLimiter) {
    new Gauge({ name: 'framewire_inference_in_flight', help: 'Frames inside the native engine now (running or staged).', registers: [this.registry], collect() { this.set(limiter.inFlight); } });
    new Gauge({ name: 'framewire_inference_queued', help: 'HTTP frames waiting to enter the engine (streams wait in their session).', registers: [this.registry], collect() { this.set(limiter.queued); } });
    new Gauge({ name: 'framewire_worker_slots', help: 'Configured worker slots.', registers: [this.registry], collect() { this.set(limiter.slots); } });
    collectDefaultMetrics({ register: this.registry, prefix: 'framewire_' });
  }

  /** Records the native timings of one result, converting ms to seconds. */
  observeTimings(pipelineId: string, timings: { decode: number; inference: number; total: number }): void {
    this.decode.observe({ pipeline_id: pipelineId }, timings.decode / 1000);
    this.inference.observe({ pipeline_id: pipelineId }, timings.inference / 1000);
    this.total.observe({ pipeline_id: pipelineId }, timings.total / 1000);
  }
}
