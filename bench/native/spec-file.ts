/** Writes a NativeEngineSpec in the line format native/core/spec_file.cc reads (the C++ loop, fuzzer, stress). */
import { readFileSync, writeFileSync } from 'node:fs';

import { loadConfig } from '../../src/config';
import type { NativeEngineSpec } from '../../src/native/binding';
import { buildEngineSpec, labelsIn } from '../../src/services/pipeline/engine-spec';
import { parseRegistry } from '../../src/services/pipeline/registry';

export function writeSpecFile(spec: NativeEngineSpec, file: string): void {
  const lines = [`slots ${spec.slots}`, `threads ${spec.threads}`, `max_pixels ${spec.maxPixels}`, `decode_deadline_ms ${spec.decodeDeadlineMs}`, `scaled_decode ${spec.scaledDecode ? 1 : 0}`, `core_sharing ${spec.coreSharing ? 1 : 0}`];
  for (const m of spec.models) lines.push(`model ${m.id} ${m.format} ${m.inputWidth} ${m.inputHeight} ${m.config || '-'} ${m.weights}`);
  for (const p of spec.pipelines) {
    lines.push(`pipeline ${p.id}`);
    for (const n of p.nodes) {
      const text = n.kind === 'text' ? ` ${n.recognizer} ${n.maxLines} ${n.within}` : '';
      lines.push(`node ${n.id} ${n.kind} ${n.model} ${n.scoreThreshold} ${n.nmsThreshold} ${n.classFilter.join(',') || '-'}${text}`);
    }
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** The spec the server would build from `env` (its config, registry and model dir), written to `file`. */
export function writeConfiguredSpecFile(file: string, env: Readonly<Record<string, string | undefined>>): void {
  const config = loadConfig({ ...env, LOG_LEVEL: 'silent' });
  const registry = parseRegistry(JSON.parse(readFileSync(config.pipelinesFile, 'utf8')));
  writeSpecFile(buildEngineSpec(registry, config, labelsIn(config.modelDir)), file);
}
