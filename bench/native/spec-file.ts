/** Writes a NativeEngineSpec in the line format bench/native/cpp_loop.cc reads. */
import { writeFileSync } from 'node:fs';

import type { NativeEngineSpec } from '../../src/native/binding';

export function writeSpecFile(spec: NativeEngineSpec, file: string): void {
  const lines = [`slots ${spec.slots}`, `threads ${spec.threads}`, `max_pixels ${spec.maxPixels}`, `scaled_decode ${spec.scaledDecode ? 1 : 0}`, `core_sharing ${spec.coreSharing ? 1 : 0}`];
  for (const m of spec.models) lines.push(`model ${m.id} ${m.format} ${m.inputWidth} ${m.inputHeight} ${m.config || '-'} ${m.weights}`);
  for (const p of spec.pipelines) {
    lines.push(`pipeline ${p.id}`);
    for (const n of p.nodes) lines.push(`node ${n.id} ${n.kind} ${n.model} ${n.scoreThreshold} ${n.nmsThreshold} ${n.classFilter.join(',') || '-'}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}
