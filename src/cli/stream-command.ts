/**
 * `framewire stream SOURCE`: reads video, encodes each frame to JPEG, streams it through the SDK, and writes the
 * answers (JSONL) and an annotated video. Every frame read is written to --out exactly once, in order: with its
 * own result, or with the last result carried over (and marked) when it was dropped, failed or not sent.
 */
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';

import { SingleBar } from 'cli-progress';

import { answerLatencyMs, answerText, connect, FramewireClientError, type FrameAnswerMessage, type FrameResult, type Line, type StreamClient, type Zone } from '../client';
import { annotate } from './annotate';
import { loadOpenCv, type Mat, type OpenCv, type VideoWriter } from './opencv';
import { StreamStats } from './stats';
import { openSource } from './video-source';

export interface StreamCommandOptions {
  url: string;
  pipeline: string;
  token?: string;
  track?: boolean;
  zones?: string;
  maxFrames?: number;
  fps?: number;
  asFastAsPossible?: boolean;
  quality: number;
  window: number;
  jsonl?: string;
  out?: string;
  minScore?: number;
  classes?: string;
  reconnect?: boolean;
  progress: boolean;
  fourcc: string;
}

interface Outstanding {
  readonly mat: Mat;
  /** Undefined: the frame was not sent (a live source, the server busy). */
  readonly answer: Promise<FrameAnswerMessage> | undefined;
}

function readZones(file: string | undefined): { zones: Zone[]; lines: Line[] } | undefined {
  if (!file) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { zones?: Zone[]; lines?: Line[] };
  return { zones: parsed.zones ?? [], lines: parsed.lines ?? [] };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function streamCommand(sourceName: string, options: StreamCommandOptions): Promise<number> {
  const cv: OpenCv = loadOpenCv();
  const source = openSource(cv, sourceName);
  const overlay = readZones(options.zones);
  const client: StreamClient = await connect({
    url: options.url,
    pipeline: options.pipeline,
    token: options.token,
    track: options.track,
    zones: overlay?.zones,
    lines: overlay?.lines,
    minScore: options.minScore,
    classes: options.classes?.split(',').map((c) => c.trim()).filter(Boolean),
    window: options.window,
    reconnect: options.reconnect,
  });
  client.on('reconnect', (e) => process.stderr.write(`\nframewire: reconnected (attempt ${e.attempt}): new session ${e.sessionId}\n`));
  client.on('draining', () => process.stderr.write('\nframewire: the server is draining; pausing until it reconnects\n'));

  const stats = new StreamStats();
  const jsonl: WriteStream | undefined = options.jsonl ? createWriteStream(options.jsonl) : undefined;
  let writer: VideoWriter | undefined;
  const limit = options.maxFrames ?? Infinity;
  const total = Math.min(limit, source.frameCount ?? Infinity);
  const bar = options.progress && !source.live && Number.isFinite(total)
    ? new SingleBar({
        format: 'frames {bar} {value}/{total} | {rate} fps | p50 {p50} ms | dropped {drops}',
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: false,
        // Not a terminal (a CI log, a pipe): a plain line every second instead of redrawing.
        noTTYOutput: true,
        notTTYSchedule: 1000,
      })
    : undefined;
  bar?.start(total, 0, { rate: '0.0', p50: '-', drops: 0 });
  // A file is paced at its own fps (or --fps); a live source comes at its own pace; --as-fast-as-possible: no pacing.
  const fps = options.asFastAsPossible ? undefined : options.fps ?? (source.live ? undefined : source.fps);
  const intervalMs = fps ? 1000 / fps : 0;

  const queue: Outstanding[] = [];
  let lastResult: FrameResult | undefined;
  let framesRead = 0;
  let written = 0;
  let fatal: FramewireClientError | undefined;

  const writeFrame = (mat: Mat, answer: FrameAnswerMessage | undefined, failure?: string): void => {
    let carried: string | undefined;
    if (answer && 'result' in answer) lastResult = answer.result;
    else carried = failure ?? (answer === undefined ? 'not sent (server busy)' : 'dropped' in answer ? `dropped (${answer.cause})` : `error ${answer.error}`);
    if (options.out) {
      annotate(cv, mat, lastResult, { zones: overlay?.zones ?? [], lines: overlay?.lines ?? [] }, carried);
      writer ??= new cv.VideoWriter(options.out, cv.VideoWriter.fourcc(options.fourcc), source.fps ?? fps ?? 10, new cv.Size(mat.cols, mat.rows));
      writer.write(mat);
    }
    written += 1;
    bar?.update(written, { rate: stats.fps(written).toFixed(1), p50: stats.p50()?.toFixed(1) ?? '-', drops: stats.totalDropped });
  };

  // Writes the frames at the head of the queue whose answers are in, in reading order.
  const flushHead = async (all: boolean): Promise<void> => {
    while (queue.length > 0) {
      const head = queue[0];
      if (!all && head.answer && queue.length <= options.window) return;
      queue.shift();
      if (!head.answer) {
        writeFrame(head.mat, undefined);
        continue;
      }
      try {
        const answer = await head.answer;
        stats.record(answer, answerLatencyMs(answer));
        jsonl?.write(`${answerText(answer)}\n`);
        writeFrame(head.mat, answer);
      } catch (err) {
        fatal ??= err as FramewireClientError;
        writeFrame(head.mat, undefined, `no answer (${(err as FramewireClientError).code})`);
      }
    }
  };

  try {
    let nextAt = performance.now();
    while (framesRead < limit && !fatal) {
      const mat = await source.next();
      if (!mat) break;
      framesRead += 1;
      const jpeg = await cv.imencodeAsync('.jpg', mat, [cv.IMWRITE_JPEG_QUALITY, options.quality]);
      let answer: Promise<FrameAnswerMessage> | undefined;
      if (source.live) {
        answer = client.trySend(jpeg);
        if (!answer) stats.skipped += 1;
      } else {
        if (intervalMs > 0) {
          const wait = nextAt - performance.now();
          if (wait > 0) await sleep(wait);
          nextAt = Math.max(nextAt + intervalMs, performance.now() - intervalMs);
        }
        answer = client.send(jpeg);
      }
      if (answer) {
        stats.sent += 1;
        answer.catch(() => undefined); // awaited in order by flushHead
      }
      queue.push({ mat, answer });
      // Keep at most `window` frames waiting for answers: reading ahead further would only hold memory.
      await flushHead(false);
    }
    await flushHead(true);
  } finally {
    bar?.stop();
    source.release();
    writer?.release();
    if (jsonl) await new Promise<void>((resolve) => jsonl.end(resolve));
    await client.close().catch(() => undefined);
  }
  process.stdout.write(`${stats.summary(framesRead)}\n`);
  if (options.out) process.stdout.write(`wrote ${written} frames to ${options.out}\n`);
  if (fatal) {
    const e = fatal as FramewireClientError;
    process.stderr.write(`framewire: ${e.code}: ${e.detail}${e.closeCode !== undefined ? ` (close ${e.closeCode})` : ''}\n`);
    return 1;
  }
  return 0;
}
