/**
 * Prometheus metrics (prom-client), one registry per server instance so tests
 * can run several servers in one process. Per-frame metrics are labelled by
 * pipeline_id (and cause or error), never session_id, and the pipeline_id
 * label only ever holds a configured pipeline id or `unknown`: cardinality
 * stays bounded by configuration, whatever clients send. The scheduler gauges
 * describe the one engine and carry no label.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds: 1 ms to 2.56 s. */
// Finer between 5 and 100 ms, where one frame's work and a stream's wait for a slot fall: doubling buckets there
// (10, 20, 40) could not tell a wait of one frame's work from one of two (bench/stream/rest-burst.ts reads them).
const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.16, 0.32, 0.64, 1.28, 2.56];

/** What the gauges read: the one scheduler in front of the engine, and the stream sessions. */
export interface SchedulerGauges {
  readonly capacity: number;
  readonly inFlight: number;
  /** Of inFlight, HTTP requests' frames. */
  readonly inFlightRequests: number;
  readonly maxHttpSlots: number;
  readonly queuedRequests: number;
  readonly waitingStreamFrames: number;
}

/** The label for a pipeline id a client asked for: itself when configured, else `unknown`. */
export type PipelineLabel = (pipelineId: string) => string;

/** One pipeline's stream series, resolved once (prom-client's label lookup is not free per frame). */
export interface PipelineStreamMetrics {
  readonly received: { inc(): void };
  readonly processed: { inc(): void };
  readonly failed: { inc(): void };
  readonly slowDown: { inc(): void };
  dropped(cause: string): void;
  rejected(error: string): void;
  /** A tracking event (line_crossed, zone_entered, zone_exited) sent in a result. */
  trackEvent(type: string): void;
  readonly sessions: { inc(): void; dec(): void };
  /** Receive to engine start, ms. */
  queueWait(ms: number): void;
  /** The engine's own stage times of one answer, ms. */
  timings(decodeMs: number, inferenceMs: number, totalMs: number): void;
}

/**
 * A per-frame count kept as a plain number and added to its prom-client counter at each scrape: prom-client
 * validates and hashes the labels on every inc(), even through a labelled child, which showed in the JS
 * thread's profile under overload.
 */
interface Tally {
  readonly counter: Counter;
  readonly labels: Record<string, string>;
  pending: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly tallies: Tally[] = [];
  private readonly flushTallies = (): void => {
    for (const t of this.tallies) {
      if (t.pending > 0) t.counter.inc(t.labels, t.pending);
      t.pending = 0;
    }
  };
  readonly sessionsActive = new Gauge({ name: 'framewire_stream_sessions_active', help: 'Open streaming sessions.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly framesReceived = new Counter({ collect: this.flushTallies, name: 'framewire_stream_frames_received_total', help: 'Binary frames received on streams.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly framesProcessed = new Counter({ collect: this.flushTallies, name: 'framewire_stream_frames_processed_total', help: 'Stream frames answered with a result.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly framesDropped = new Counter({ collect: this.flushTallies, name: 'framewire_stream_frames_dropped_total', help: 'Stream frames answered as dropped, by cause.', labelNames: ['pipeline_id', 'cause'], registers: [this.registry] });
  readonly framesFailed = new Counter({ name: 'framewire_stream_frames_failed_total', help: 'Stream frames answered with pipeline_failure.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly framesRejected = new Counter({ name: 'framewire_stream_frames_rejected_total', help: 'Stream messages or sessions refused, by error code.', labelNames: ['pipeline_id', 'error'], registers: [this.registry] });
  readonly slowDownSent = new Counter({ name: 'framewire_stream_slowdown_warnings_total', help: 'slow_down warnings sent.', labelNames: ['pipeline_id'], registers: [this.registry] });
  readonly queueWait = new Histogram({ name: 'framewire_stream_queue_wait_seconds', help: 'Time from receiving a stream frame to starting it.', labelNames: ['pipeline_id'], buckets: SECONDS_BUCKETS, registers: [this.registry] });
  readonly decode = new Histogram({ name: 'framewire_frame_decode_seconds', help: 'JPEG header check and decode per stream frame.', labelNames: ['pipeline_id'], buckets: SECONDS_BUCKETS, registers: [this.registry] });
  readonly inference = new Histogram({ name: 'framewire_frame_inference_seconds', help: 'Pre-processing and forward, all nodes, per stream frame.', labelNames: ['pipeline_id'], buckets: SECONDS_BUCKETS, registers: [this.registry] });
  readonly total = new Histogram({ name: 'framewire_frame_total_seconds', help: 'Native time per stream frame (decode, inference, post-processing).', labelNames: ['pipeline_id'], buckets: SECONDS_BUCKETS, registers: [this.registry] });
  readonly trackEvents = new Counter({ collect: this.flushTallies, name: 'framewire_stream_track_events_total', help: 'Tracking events sent in stream results, by type (line_crossed, zone_entered, zone_exited).', labelNames: ['pipeline_id', 'type'], registers: [this.registry] });
  readonly httpBusy = new Counter({ name: 'framewire_http_busy_total', help: 'REST inference requests answered 503 server_busy because the HTTP lane was full or no slot came within FRAMEWIRE_MAX_QUEUE_WAIT_MS (both ports; not the 503s of a shutdown).', registers: [this.registry] });
  readonly decoderWarnings = new Counter({ name: 'framewire_decoder_warnings_total', help: 'Corrupt-data warnings libjpeg raised on frames that still decoded (HTTP and streams); never printed.', registers: [this.registry] });
  private readonly byPipeline = new Map<string, PipelineStreamMetrics>();

  constructor(
    /** Maps a requested pipeline id to its label: configured ids as themselves, anything else `unknown`. */
    readonly pipelineLabel: PipelineLabel,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'framewire_' });
  }

  /** framewire_ready: 1 while /readyz answers 200 (models loaded, not shutting down), for an alert on instances out of rotation. */
  watchReadiness(ready: () => boolean): void {
    new Gauge({ name: 'framewire_ready', help: '1 while /readyz answers 200: every model loaded and the server not shutting down; else 0.', registers: [this.registry], collect() { this.set(ready() ? 1 : 0); } });
  }

  /** Adds the scheduler gauges, read at each scrape. Call once, when the scheduler and the stream service exist. */
  watchScheduler(scheduler: SchedulerGauges): void {
    new Gauge({ name: 'framewire_inference_in_flight', help: 'Frames inside the native engine now (at most framewire_worker_slots).', registers: [this.registry], collect() { this.set(scheduler.inFlight); } });
    new Gauge({ name: 'framewire_inference_queued', help: 'Frames waiting for a slot: HTTP requests in their FIFO plus stream frames waiting in their session.', registers: [this.registry], collect() { this.set(scheduler.queuedRequests + scheduler.waitingStreamFrames); } });
    new Gauge({ name: 'framewire_worker_slots', help: 'Configured worker slots: the most frames inside the engine at once.', registers: [this.registry], collect() { this.set(scheduler.capacity); } });
    new Gauge({ name: 'framewire_inference_in_flight_http', help: 'Of framewire_inference_in_flight, the frames of REST requests (at most framewire_http_max_slots while a stream session is open).', registers: [this.registry], collect() { this.set(scheduler.inFlightRequests); } });
    new Gauge({ name: 'framewire_http_max_slots', help: 'Slots REST requests may hold while a stream session is open (FRAMEWIRE_HTTP_MAX_SLOTS).', registers: [this.registry], collect() { this.set(scheduler.maxHttpSlots); } });
  }

  /** Adds the active-tracks gauge, read at each scrape: confirmed tracks alive per pipeline id, over every tracking session. */
  watchTracks(activeTracks: () => Map<string, number>): void {
    const label = this.pipelineLabel;
    new Gauge({
      name: 'framewire_stream_tracks_active',
      help: 'Confirmed tracks alive (tracked or briefly lost) in tracking stream sessions.',
      labelNames: ['pipeline_id'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [pipelineId, n] of activeTracks()) this.inc({ pipeline_id: label(pipelineId) }, n);
      },
    });
  }

  /** The stream series of a pipeline id as a client gave it (an unconfigured id shares the `unknown` series). */
  stream(pipelineId: string): PipelineStreamMetrics {
    const label = this.pipelineLabel(pipelineId);
    let m = this.byPipeline.get(label);
    if (m) return m;
    const l = { pipeline_id: label };
    const queueWait = this.queueWait.labels(l);
    const decode = this.decode.labels(l);
    const inference = this.inference.labels(l);
    const total = this.total.labels(l);
    const tally = (counter: Counter, labels: Record<string, string>): Tally => {
      const t: Tally = { counter, labels, pending: 0 };
      this.tallies.push(t);
      return t;
    };
    const received = tally(this.framesReceived, l);
    const processed = tally(this.framesProcessed, l);
    const dropped: Record<string, Tally> = {};
    const events: Record<string, Tally> = {};
    m = {
      received: { inc: () => void (received.pending += 1) },
      processed: { inc: () => void (processed.pending += 1) },
      failed: this.framesFailed.labels(l),
      slowDown: this.slowDownSent.labels(l),
      dropped: (cause) => void ((dropped[cause] ??= tally(this.framesDropped, { ...l, cause })).pending += 1),
      rejected: (error) => this.framesRejected.inc({ ...l, error }),
      trackEvent: (type) => void ((events[type] ??= tally(this.trackEvents, { ...l, type })).pending += 1),
      sessions: this.sessionsActive.labels(l),
      queueWait: (ms) => queueWait.observe(ms / 1000),
      timings: (decodeMs, inferenceMs, totalMs) => {
        decode.observe(decodeMs / 1000);
        inference.observe(inferenceMs / 1000);
        total.observe(totalMs / 1000);
      },
    };
    this.byPipeline.set(label, m);
    return m;
  }
}
