/**
 * The same detector pipelines written the usual Node way, with
 * @u4/opencv4nodejs's async API: imdecodeAsync, blobFromImageAsync,
 * forwardAsync, post-processing in JS, NMSBoxes. One Net per submitter.
 *   node cv4n-run.js PIPELINE SLOTS THREADS FRAMES_DIR COUNT
 * FaceDetectorYN is not wrapped by @u4/opencv4nodejs 7.1.2, so face
 * pipelines have no row on this path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { loadConfig } from '../../src/config';
import type { Net } from '@u4/opencv4nodejs';
import { readLabelFile } from '../../src/services/pipeline/engine-spec';
import { parseRegistry, type PipelineRegistry } from '../../src/services/pipeline/registry';
import cv from '../../test/helpers/opencv';
import { closedLoop } from './measure';

interface Candidate { classId: number; score: number; box: [number, number, number, number] }

function nmsPerClass(candidates: Candidate[], scoreThreshold: number, nmsThreshold: number): Candidate[] {
  if (candidates.length === 0) return [];
  const extent = Math.max(1, ...candidates.map((c) => Math.max(c.box[0] + c.box[2], c.box[1] + c.box[3]))) + 1;
  const rects = candidates.map((c) => new cv.Rect(c.box[0] + c.classId * extent, c.box[1] + c.classId * extent, c.box[2], c.box[3]));
  return cv.NMSBoxes(rects, candidates.map((c) => c.score), scoreThreshold, nmsThreshold).map((i) => candidates[i]);
}

function floats(mat: import('@u4/opencv4nodejs').Mat): Float32Array {
  const bytes = mat.getData();
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

type Detector = (jpeg: Buffer) => Promise<Candidate[]>;

function darknet(net: Net, input: number, score: number, nms: number, classes: number[]): Detector {
  const names = net.getLayerNames();
  const outNames = net.getUnconnectedOutLayers().map((i) => names[i - 1]);
  return async (jpeg) => {
    const image = await cv.imdecodeAsync(jpeg);
    const blob = await cv.blobFromImageAsync(image, 1 / 255, new cv.Size(input, input), new cv.Vec3(0, 0, 0), true, false);
    net.setInput(blob);
    const outs = await net.forwardAsync(outNames);
    const candidates: Candidate[] = [];
    for (const out of outs) {
      const data = floats(out);
      for (let r = 0; r < out.rows; r++) {
        const row = r * out.cols;
        let best = 5;
        for (let c = 6; c < out.cols; c++) if (data[row + c] > data[row + best]) best = c;
        const s = data[row + best];
        const classId = best - 5;
        if (s < score || (classes.length > 0 && !classes.includes(classId))) continue;
        const w = data[row + 2] * image.cols;
        const h = data[row + 3] * image.rows;
        candidates.push({ classId, score: s, box: [data[row] * image.cols - w / 2, data[row + 1] * image.rows - h / 2, w, h] });
      }
    }
    return nmsPerClass(candidates, score, nms);
  };
}

function yolox(net: Net, input: number, score: number, nms: number): Detector {
  const grid: [number, number, number][] = [];
  for (const stride of [8, 16, 32]) for (let y = 0; y < input / stride; y++) for (let x = 0; x < input / stride; x++) grid.push([x, y, stride]);
  return async (jpeg) => {
    const image = await cv.imdecodeAsync(jpeg);
    const scale = Math.min(input / image.cols, input / image.rows);
    const resized = await image.resizeAsync(Math.round(image.rows * scale), Math.round(image.cols * scale));
    const padded = await resized.copyMakeBorderAsync(0, input - resized.rows, 0, input - resized.cols, cv.BORDER_CONSTANT, new cv.Vec3(114, 114, 114));
    const blob = await cv.blobFromImageAsync(padded, 1, new cv.Size(input, input), new cv.Vec3(0, 0, 0), false, false);
    net.setInput(blob);
    const out = await net.forwardAsync();
    // getData refuses the 1 x N x 85 blob; flattenFloat views it as N x 85 (out stays in scope, owning the data).
    const data = floats(out.flattenFloat(grid.length, 85));
    const cols = 85;
    const candidates: Candidate[] = [];
    for (let r = 0; r < grid.length; r++) {
      const row = r * cols;
      if (data[row + 4] < score) continue;
      let best = 5;
      for (let c = 6; c < cols; c++) if (data[row + c] > data[row + best]) best = c;
      const s = data[row + 4] * data[row + best];
      if (s < score) continue;
      const [gx, gy, stride] = grid[r];
      const w = Math.exp(data[row + 2]) * stride;
      const h = Math.exp(data[row + 3]) * stride;
      const cx = (data[row] + gx) * stride;
      const cy = (data[row + 1] + gy) * stride;
      candidates.push({ classId: best - 5, score: s, box: [(cx - w / 2) / scale, (cy - h / 2) / scale, w / scale, h / scale] });
    }
    return nmsPerClass(candidates, score, nms);
  };
}

function buildDetector(registry: PipelineRegistry, pipelineId: string, modelDir: string): Detector {
  const pipeline = registry.pipelines.find((p) => p.id === pipelineId);
  if (!pipeline || pipeline.nodes.length !== 1 || pipeline.nodes[0].kind !== 'detector') throw new Error(`${pipelineId}: only single-detector pipelines have an opencv4nodejs path`);
  const node = pipeline.nodes[0];
  const model = registry.models.get(node.model)!;
  const file = (rel: string | undefined): string => path.join(modelDir, rel ?? '');
  const labels = readLabelFile(file(model.labels));
  const classes = node.classes.map((c) => labels.indexOf(c));
  if (model.format === 'darknet_yolo') return darknet(cv.readNetFromDarknet(file(model.config), file(model.weights)), model.input.width, node.scoreThreshold, node.nmsThreshold, classes);
  return yolox(cv.readNetFromONNX(file(model.weights)), model.input.width, node.scoreThreshold, node.nmsThreshold);
}

async function main(): Promise<void> {
  const [pipeline, slots, threads, dir, count] = process.argv.slice(2);
  const frames = readdirSync(dir).sort().map((f) => readFileSync(path.join(dir, f)));
  const config = loadConfig();
  const registry = parseRegistry(JSON.parse(readFileSync(config.pipelinesFile, 'utf8')));
  cv.setNumThreads(Number(threads));
  const detectors = Array.from({ length: Number(slots) }, () => buildDetector(registry, pipeline, config.modelDir));
  for (const detect of detectors) await detect(frames[0]);
  // As many detectors as submitters, lent out one at a time: one Net never runs two forwards at once.
  const free = [...detectors];
  const report = await closedLoop(Number(count), Number(slots), async (i) => {
    const detect = free.pop() as Detector;
    try {
      return await detect(frames[i % frames.length]);
    } finally {
      free.push(detect);
    }
  });
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
