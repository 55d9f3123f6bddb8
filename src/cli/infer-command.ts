/** `framewire infer IMAGE...`: POSTs each image to the REST API and prints the JSON, or a table with --table. */
import { readFileSync } from 'node:fs';

import { infer, type FrameResult } from '../client';

export interface InferCommandOptions {
  url: string;
  pipeline: string;
  table?: boolean;
  minScore?: number;
  classes?: string;
}

function table(file: string, result: FrameResult): string {
  const rows: string[][] = [];
  for (const d of result.detections ?? []) rows.push([file, d.label, d.score.toFixed(2), String(d.box.x), String(d.box.y), String(d.box.width), String(d.box.height)]);
  for (const f of result.faces ?? []) rows.push([file, 'face', f.score.toFixed(2), String(f.box.x), String(f.box.y), String(f.box.width), String(f.box.height)]);
  if (rows.length === 0) rows.push([file, '(none)', '', '', '', '', '']);
  return rows.map((r) => r.map((c, i) => (i === 0 ? c : c.padStart(i === 1 ? 14 : 7))).join('  ')).join('\n');
}

export async function inferCommand(images: string[], options: InferCommandOptions): Promise<number> {
  if (options.table) process.stdout.write(`${'image'}  ${'label'.padStart(14)}  ${'score'.padStart(7)}  ${'x'.padStart(7)}  ${'y'.padStart(7)}  ${'width'.padStart(7)}  ${'height'.padStart(7)}\n`);
  for (const image of images) {
    const result = await infer(readFileSync(image), {
      url: options.url,
      pipeline: options.pipeline,
      minScore: options.minScore,
      classes: options.classes?.split(',').map((c) => c.trim()).filter(Boolean),
    });
    process.stdout.write(options.table ? `${table(image, result)}\n` : `${JSON.stringify(images.length > 1 ? { file: image, ...result } : result)}\n`);
  }
  return 0;
}
