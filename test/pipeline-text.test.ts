/**
 * Golden outputs of the text pipelines (PP-OCRv4 DB detection + Tesseract LSTM) on real media: OpenCV's sample
 * pages against our own transcription (test/fixtures/imageText.transcript.txt), book covers, and negatives.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import test from 'ava';

import { PROJECT_ROOT } from '../src/config';
import { ompThreadLimit } from '../src/native/binding';
import type { TextLine, VideoFilePipelineService } from '../src/services/pipeline';
import cv from './helpers/opencv';
import { encodeJpeg, imageAsJpeg, mediaPath, readMedia, videoFramesAsJpeg } from './helpers/media';
import { iou, loadedService } from './helpers/service';
import { wordRecall, wordsOf } from './helpers/words';

const TRANSCRIPT = readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'imageText.transcript.txt'), 'utf8');

let service: VideoFilePipelineService;
test.before(async () => {
  service = await loadedService({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_OPENCV_THREADS: '1' });
});

const textOf = (lines: readonly TextLine[]): string => lines.map((l) => l.text).join('\n');

function assertLineShape(t: import('ava').ExecutionContext, line: TextLine, width: number, height: number): void {
  t.is(line.quad.length, 4);
  const xs = line.quad.map((p) => p[0]);
  const ys = line.quad.map((p) => p[1]);
  // The box is the quad's bounding box cut at the frame's edges (both rounded to whole pixels).
  t.true(Math.abs(line.box.x - Math.max(0, Math.min(...xs))) <= 1, JSON.stringify(line));
  t.true(Math.abs(line.box.y - Math.max(0, Math.min(...ys))) <= 1, JSON.stringify(line));
  t.true(Math.abs(line.box.x + line.box.width - Math.min(width, Math.max(...xs))) <= 1, JSON.stringify(line));
  t.true(Math.abs(line.box.y + line.box.height - Math.min(height, Math.max(...ys))) <= 1, JSON.stringify(line));
  t.true(line.score >= 0.5 && line.score <= 1, 'every line reported scores at least the node threshold');
  t.false(/\s{2}|^\s|\s$|\n/.test(line.text), 'words are separated by single spaces');
}

test('text reads the upright sample page: word recall >= 90%, lines in reading order', async (t) => {
  const result = await service.runOnFrame('text', imageAsJpeg('imageTextN.png'));
  t.is(result.pipeline_id, 'text');
  t.deepEqual(result.image, { width: 556, height: 257 });
  t.false(result.texts_truncated);
  t.false('detections' in result, 'a text-only pipeline has no detections key');
  const lines = result.texts!;
  const recall = wordRecall(wordsOf(TRANSCRIPT), wordsOf(textOf(lines)));
  t.log(`imageTextN: ${lines.length} lines, word recall ${(recall * 100).toFixed(1)}%`);
  t.true(recall >= 0.9, textOf(lines));
  t.true(lines[0].text.startsWith('technical'), 'the first line is read first');
  t.regex(lines.at(-1)!.text, /approaches/);
  for (const line of lines) assertLineShape(t, line, 556, 257);
  for (let i = 1; i < lines.length; i++) t.true(lines[i].box.y > lines[i - 1].box.y, 'top to bottom');
});

test('text reads the rotated sample page: word recall >= 80%, quads follow the slope', async (t) => {
  const result = await service.runOnFrame('text', imageAsJpeg('imageTextR.png'));
  const lines = result.texts!;
  const recall = wordRecall(wordsOf(TRANSCRIPT), wordsOf(textOf(lines)));
  t.log(`imageTextR: ${lines.length} lines, word recall ${(recall * 100).toFixed(1)}%`);
  t.true(recall >= 0.8, textOf(lines));
  for (const line of lines) assertLineShape(t, line, 556, 323);
  // The page is turned about 9 degrees anticlockwise: each long line's top edge rises to the right.
  const long = lines.filter((l) => l.box.width > 400);
  t.true(long.length >= 8);
  for (const line of long) {
    const [[x0, y0], [x1, y1]] = line.quad;
    const degrees = (Math.atan2(y0 - y1, x1 - x0) * 180) / Math.PI;
    t.true(degrees > 5 && degrees < 13, `${degrees.toFixed(1)} degrees: ${JSON.stringify(line.quad)}`);
  }
});

test('text on the book covers (left.jpg) reads the printed title and crashes on nothing', async (t) => {
  const result = await service.runOnFrame('text', readMedia('left.jpg'));
  t.log(textOf(result.texts!));
  t.true(result.texts!.some((l) => l.text.includes('ELECTRONICS')), textOf(result.texts!));
  for (const line of result.texts!) assertLineShape(t, line, 612, 459);
});

test('negatives: baboon.jpg and vtest.avi street frames give no text line', async (t) => {
  const frames = [readMedia('baboon.jpg'), ...videoFramesAsJpeg('vtest.avi', 0, 2), ...videoFramesAsJpeg('vtest.avi', 300, 2), ...videoFramesAsJpeg('vtest.avi', 700, 2)];
  for (const frame of frames) {
    const result = await service.runOnFrame('text', frame);
    t.deepEqual(result.texts, [], textOf(result.texts!));
    t.false(result.texts_truncated);
  }
});

test('objects_text reads only inside the chosen classes\' boxes', async (t) => {
  const result = await service.runOnFrame('objects_text', readMedia('left.jpg'));
  const detections = result.detections!;
  t.true(detections.length >= 1, 'a book is found');
  t.true(detections.every((d) => ['book', 'cell phone', 'tvmonitor', 'laptop'].includes(d.label)), JSON.stringify(detections));
  t.true(result.texts!.length >= 1, JSON.stringify(result));
  for (const line of result.texts!) {
    const cx = line.box.x + line.box.width / 2;
    const cy = line.box.y + line.box.height / 2;
    const inside = detections.some((d) => cx >= d.box.x && cx <= d.box.x + d.box.width && cy >= d.box.y && cy <= d.box.y + d.box.height);
    t.true(inside, `${JSON.stringify(line)} lies in no detection`);
  }
  // The whole-frame pipeline reads lines outside every chosen box; objects_text reports none of them.
  const everywhere = await service.runOnFrame('text', readMedia('left.jpg'));
  const outside = everywhere.texts!.filter(
    (l) => !detections.some((d) => l.box.x >= d.box.x && l.box.x + l.box.width <= d.box.x + d.box.width && l.box.y >= d.box.y && l.box.y + l.box.height <= d.box.y + d.box.height),
  );
  t.true(outside.length >= 1, textOf(everywhere.texts!));
  for (const line of outside) t.false(result.texts!.some((l) => l.text === line.text && iou(l.box, line.box) > 0.5), line.text);
});

test('objects_text reads nothing where no chosen object is (messi5.jpg)', async (t) => {
  const result = await service.runOnFrame('objects_text', readMedia('messi5.jpg'));
  t.deepEqual(result.detections, []);
  t.deepEqual(result.texts, []);
});

test('a text-dense frame (the page tiled 3x3) is answered, within the line cap', async (t) => {
  const page = cv.imread(mediaPath('imageTextN.png'));
  const row = new cv.Mat(page.rows, page.cols * 3, cv.CV_8UC3);
  for (let i = 0; i < 3; i++) page.copyTo(row.getRegion(new cv.Rect(i * page.cols, 0, page.cols, page.rows)));
  const grid = new cv.Mat(page.rows * 3, page.cols * 3, cv.CV_8UC3);
  for (let i = 0; i < 3; i++) row.copyTo(grid.getRegion(new cv.Rect(0, i * page.rows, row.cols, row.rows)));
  const result = await service.runOnFrame('text', encodeJpeg(grid));
  t.deepEqual(result.image, { width: 1668, height: 771 });
  t.true(result.texts!.length <= 50);
});

/** A service over a copy of the shipped registry holding only pipeline `id`, its nodes changed by `edit`. */
async function serviceWith(id: string, edit: (nodes: Record<string, unknown>[]) => void): Promise<VideoFilePipelineService> {
  const registry = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'pipelines.json'), 'utf8'));
  registry.pipelines = registry.pipelines.filter((p: { id: string }) => p.id === id);
  edit(registry.pipelines[0].nodes);
  registry.default_pipeline = id;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'fw-text-')), 'pipelines.json');
  writeFileSync(file, JSON.stringify(registry));
  return loadedService({ FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_OPENCV_THREADS: '1', FRAMEWIRE_PIPELINES: file });
}

test('the object cap: reading within persons on messi5.jpg (a crowd) stops after 8 boxes and says so', async (t) => {
  const persons = await serviceWith('objects_text', (nodes) => (nodes[0].classes = ['person']));
  const result = await persons.runOnFrame('objects_text', readMedia('messi5.jpg'));
  t.true(result.detections!.length > 8, `${result.detections!.length} persons`);
  t.true(result.texts_truncated);
});

test('the line cap: a node with max_lines 5 reads five lines of the page and says it stopped', async (t) => {
  const capped = await serviceWith('text', (nodes) => (nodes[0].max_lines = 5));
  const result = await capped.runOnFrame('text', imageAsJpeg('imageTextN.png'));
  t.true(result.texts_truncated);
  t.is(result.texts!.length, 5);
  t.true(result.texts![0].text.startsWith('technical'), 'the first lines in reading order are the ones read');
});

test('Tesseract runs on one OpenMP thread per slot', (t) => {
  t.is(ompThreadLimit(), 1);
});
