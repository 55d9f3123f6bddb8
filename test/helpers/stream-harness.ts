/**
 * StreamService alone, for the tests: a real FrameScheduler over a fake engine (deferred promises the test
 * settles), a fake clock, a fake pipeline catalog, a recording SessionOutput, real Metrics. No addon, no sockets.
 */
import pino from 'pino';

import { Metrics } from '../../src/metrics';
import type { FrameOutcome } from '../../src/services/pipeline';
import { FrameScheduler, StreamService, StreamSession, type SessionOutput, type SessionPolicy, type StreamAnswer } from '../../src/services/streaming';
import { jpegHeaderOnly, jpegMarkersRandomBody } from './jpeg-bytes';

/** Lets every settled promise run its callbacks. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

export class RecordingOutput implements SessionOutput {
  readonly answers: StreamAnswer[] = [];
  terminated = 0;
  answer(answer: StreamAnswer): void {
    this.answers.push(answer);
  }
  terminate(): void {
    this.terminated += 1;
  }
  /** The answers as short strings: "result 0", "dropped 1 superseded", "frame_error 2 invalid_frame", "end 1007 invalid_frame @2". */
  get log(): string[] {
    return this.answers.map((a) => {
      switch (a.type) {
        case 'result':
          return `result ${a.frameIndex}`;
        case 'dropped':
          return `dropped ${a.frameIndex} ${a.cause}`;
        case 'frame_error':
          return `frame_error ${a.frameIndex} ${a.error.code}`;
        case 'slow_down':
          return 'slow_down';
        case 'draining':
          return 'draining';
        case 'configured':
          return `configured ${a.track} ${a.zones.join('+')}/${a.lines.join('+')}`;
        case 'reset':
          return 'reset';
        case 'control_error':
          return `control_error ${a.error.code}`;
        case 'end':
          return `end ${a.code}${a.error ? ` ${a.error.code}` : ''}${a.frameIndex === undefined ? '' : ` @${a.frameIndex}`}`;
      }
    });
  }
}

interface EngineCall {
  readonly label: string;
  readonly pipelineId: string;
  settled: boolean;
  resolve(outcome: FrameOutcome): void;
}

export function harness(options: { capacity?: number; maxSessions?: number; policy?: Partial<SessionPolicy> } = {}) {
  let now = 0;
  const labels = new Map<Buffer, string>();
  const calls: EngineCall[] = [];
  const scheduler = new FrameScheduler(options.capacity ?? 1, (pipelineId, bytes) =>
    new Promise<FrameOutcome>((resolve) => {
      const call: EngineCall = { label: labels.get(bytes) ?? '?', pipelineId, settled: false, resolve: (outcome) => ((call.settled = true), resolve(outcome)) };
      calls.push(call);
    }));
  const catalog = { ready: true, isValidPipeline: (id: string) => id === 'detect' || id === 'faces', labelsOf: (id: string) => new Set(id === 'faces' ? ['face'] : ['person', 'car']), parseOverrides: () => undefined };
  const metrics = new Metrics((id) => id);
  const streams = new StreamService({
    scheduler,
    pipelines: catalog,
    limits: { maxBytes: 100_000, maxPixels: 1_000_000 },
    policy: { maxFrameAgeMs: 1000, slowDownWindow: 30, slowDownDropRate: 0.5, slowDownIntervalMs: 1000, ...options.policy },
    tracking: { highScore: 0.5, confirmHits: 2, keepMs: 1500, maxTracks: 256, zoneInertia: 3, lineConfirmUpdates: 2, lineMargin: 0.1 },
    maxSessions: options.maxSessions ?? 8,
    metrics,
    log: pino({ level: 'silent' }),
    clock: () => now,
  });

  /** A frame that passes the validator, labelled for the fake engine. */
  const frame = (label: string): Buffer => {
    const bytes = jpegHeaderOnly(64, 48);
    labels.set(bytes, label);
    return bytes;
  };
  /** A frame that passes the validator but the (fake) decoder will refuse: the test answers it invalid_frame. */
  const decoderFatal = (label: string): Buffer => {
    const bytes = jpegMarkersRandomBody(512);
    labels.set(bytes, label);
    return bytes;
  };
  const open = (pipelineId = 'detect', query = ''): { session: StreamSession; out: RecordingOutput } => {
    const out = new RecordingOutput();
    const session = streams.open({ pipelineId, params: new URLSearchParams(query) }, out, '127.0.0.1');
    if (!(session instanceof StreamSession)) throw session;
    return { session, out };
  };
  const call = (label: string): EngineCall => {
    const found = calls.find((c) => c.label === label);
    if (!found) throw new Error(`${label} never reached the engine; it saw ${calls.map((c) => c.label).join(', ')}`);
    return found;
  };
  /** The engine answers `label` (a result unless told otherwise); its callbacks run. */
  const finish = async (label: string, outcome: FrameOutcome = { json: `{"frame":"${label}"}`, decodeMs: 1, inferenceMs: 2, totalMs: 4, decodeWarnings: 0 }): Promise<void> => {
    call(label).resolve(outcome);
    await settle();
  };
  const seen = (): string[] => calls.map((c) => c.label);
  const inEngine = (): EngineCall[] => calls.filter((c) => !c.settled);
  /** A series' value; fails when the series does not exist. */
  const metric = async (name: string, labels: Record<string, string>): Promise<number> => {
    const found = (await metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
    if (!found) throw new Error(`no series ${name} ${JSON.stringify(labels)}`);
    return found.value;
  };
  return { streams, scheduler, catalog, metrics, frame, decoderFatal, open, finish, call, seen, inEngine, metric, advance: (ms: number) => (now += ms) };
}

