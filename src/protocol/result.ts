/**
 * The result schema: what one frame's answer holds, on REST and on the stream. The engine writes it as JSON text
 * (native/core/result_json.cc); the server, the SDK (src/client) and docs/openapi.yaml / docs/asyncapi.yaml all
 * describe this one shape. Types only: safe to import from browser code.
 */

/** Pixels of the frame that was sent: x, y of the top-left corner. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  label: string;
  class_id: number;
  score: number;
  box: Box;
  /** With tracking on: the confirmed track this detection belongs to (>= 1, never reused in a session). */
  track_id?: number;
}

export interface Face {
  score: number;
  box: Box;
  /** Right eye, left eye, nose tip, right and left mouth corners, in frame pixels. */
  landmarks: [number, number][];
  /** With tracking on: the face's confirmed track (faces are tracked as the label `face`). */
  track_id?: number;
}

export interface TextLine {
  /** One line of text; words separated by single spaces. */
  text: string;
  score: number;
  /** The quad's bounding box, clipped to the frame. */
  box: Box;
  /** Corners clockwise from the text's top-left, in frame pixels (may reach past the frame's edge). */
  quad: [number, number][];
}

/** Tracking events (streams with tracking on; see docs/streaming.md). */
export type TrackEvent =
  | { type: 'line_crossed'; line_id: string; track_id: number; label: string; direction: 'in' | 'out' }
  | { type: 'zone_entered'; zone_id: string; track_id: number; label: string }
  | { type: 'zone_exited'; zone_id: string; track_id: number; label: string; dwell_s: number };

/** Per-label counts: cumulative crossings per line and direction since configure/reset; current zone occupancy. */
export interface TrackCounts {
  lines: Record<string, { in: Record<string, number>; out: Record<string, number> }>;
  zones: Record<string, Record<string, number>>;
}

/** The public result schema, as the engine writes it (JSON text, built on the slot thread). */
export interface FrameResult {
  pipeline_id: string;
  image: { width: number; height: number };
  detections?: Detection[];
  faces?: Face[];
  /** Text pipelines: one entry per line read, in reading order. */
  texts?: TextLine[];
  /** Text pipelines: true when the frame held more text lines than the node's max_lines (the rest were not read). */
  texts_truncated?: boolean;
  timings_ms: { decode: number; inference: number; postprocess: number; total: number };
  /** With tracking on: this frame's events (empty when none). */
  events?: TrackEvent[];
  /** With zones or lines configured. */
  counts?: TrackCounts;
}
