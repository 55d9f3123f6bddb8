/**
 * Turns a validated registry into the native engine spec: resolves file paths
 * under the model dir, label files to label arrays, class names to ids.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { Config } from '../../config';
import type { NativeEngineSpec } from '../../native/binding';
import { modelsInUse, RegistryError, type PipelineRegistry } from './registry';

export type LabelReader = (relativePath: string) => string[];

/** A label file: one label per line, surrounding blanks and empty lines ignored. */
export function readLabelFile(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Reads label files relative to the model dir: the reader the server (and every benchmark) builds specs with. */
export function labelsIn(modelDir: string): LabelReader {
  return (relativePath) => readLabelFile(path.join(modelDir, relativePath));
}

export function buildEngineSpec(registry: PipelineRegistry, config: Config, readLabels: LabelReader): NativeEngineSpec {
  const models = modelsInUse(registry);
  const labels = new Map(models.map((m) => [m.id, m.labels ? readLabels(m.labels) : []]));
  const inModelDir = (file: string | undefined): string => (file ? path.join(config.modelDir, file) : '');
  return {
    slots: config.workerSlots,
    threads: config.openCvThreads,
    maxPixels: config.maxFramePixels,
    decodeDeadlineMs: config.decodeDeadlineMs,
    scaledDecode: config.scaledDecode,
    coreSharing: config.coreSharing,
    models: models.map((m) => ({
      id: m.id,
      format: m.format,
      config: inModelDir(m.config),
      weights: inModelDir(m.weights),
      inputWidth: m.input.width,
      inputHeight: m.input.height,
      labels: labels.get(m.id) as string[],
    })),
    pipelines: registry.pipelines.map((p) => ({
      id: p.id,
      nodes: p.nodes.map((n) => {
        const modelLabels = labels.get(n.model) as string[];
        return {
          id: n.id,
          kind: n.kind,
          model: models.findIndex((m) => m.id === n.model),
          scoreThreshold: n.scoreThreshold,
          nmsThreshold: n.nmsThreshold,
          recognizer: n.text ? models.findIndex((m) => m.id === n.text?.recognizer) : -1,
          maxLines: n.text?.maxLines ?? 0,
          within: n.text?.within === undefined ? -1 : p.nodes.findIndex((other) => other.id === n.text?.within),
          classFilter: n.classes.map((name) => {
            const classId = modelLabels.indexOf(name);
            if (classId < 0) throw new RegistryError(`pipeline ${p.id} node ${n.id}`, `model ${n.model} has no class "${name}"`);
            return classId;
          }),
        };
      }),
    })),
  };
}

/** Every file the registry's models need, relative to the model dir. */
export function filesInUse(registry: PipelineRegistry): string[] {
  return modelsInUse(registry).flatMap((m) => [m.config, m.weights, m.labels].filter((f): f is string => f !== undefined));
}
