/**
 * npm run bench:native [-- --frames N --pipelines a,b --settings 1x1,2x2]
 *
 * Each pipeline on vtest.avi frames (JPEG q90, 768x576), for several
 * worker-slots x OpenCV-threads settings, through three paths, each setting
 * in a fresh process:
 *   C++   the plain C++ loop over native/core (the limit)
 *   addon the Framewire addon in process, through the pipeline service (2 submitters per slot)
 *   cv4n  the same detector written with @u4/opencv4nodejs's async API
 * Each path runs --repeat times (default 3), interleaved C++ / addon / cv4n, and
 * the run with the median frames/s is reported: on this shared 2-core machine
 * a single run of the same binary varies by up to +-7%.
 * Prints a markdown table for bench/RESULTS.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadConfig, PROJECT_ROOT } from '../../src/config';
import { buildEngineSpec, labelsIn } from '../../src/services/pipeline/engine-spec';
import { parseRegistry } from '../../src/services/pipeline/registry';
import { videoFramesAsJpeg } from '../../test/helpers/media';
import { medianRun, runChild, writeFrameDir, type RunReport } from './measure';
import { writeSpecFile } from './spec-file';

const { values: args } = parseArgs({
  options: { frames: { type: 'string', default: '200' }, repeat: { type: 'string', default: '3' }, settings: { type: 'string', default: '1x1,1x2,2x1,2x2' }, pipelines: { type: 'string' } },
});

const OUT = path.join(PROJECT_ROOT, 'bench', 'out');
const FRAMES_DIR = path.join(OUT, 'frames-vtest-768');
const CPP_LOOP = path.join(OUT, 'cpp_loop');
const frameCount = Number(args.frames);
const repeat = Number(args.repeat);
const settings = (args.settings as string).split(',').map((s) => s.split('x').map(Number) as [number, number]);

const fmt = (r: RunReport | undefined): string => (r ? `${r.fps.toFixed(1)} | ${r.p50_ms.toFixed(1)} | ${r.p99_ms.toFixed(1)}` : 'n/a | n/a | n/a');

function main(): void {
  writeFrameDir(FRAMES_DIR, videoFramesAsJpeg('vtest.avi', 0, 100));

  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
  const registry = parseRegistry(JSON.parse(readFileSync(config.pipelinesFile, 'utf8')));
  const pipelines = args.pipelines === undefined ? registry.pipelines.map((p) => p.id) : args.pipelines.split(',');
  const readLabels = labelsIn(config.modelDir);
  const dist = path.join(PROJECT_ROOT, 'dist', 'bench', 'native');

  console.log(`machine: ${os.cpus()[0].model}, ${os.availableParallelism()} cores, node ${process.version}; ${frameCount} frames per run (vtest.avi 768x576 JPEG q90), median of ${repeat} interleaved runs`);
  console.log('\n| pipeline | slots x threads | C++ fps | C++ p50 ms | C++ p99 ms | addon fps | addon p50 ms | addon p99 ms | addon / C++ | cv4n fps | cv4n p50 ms | cv4n p99 ms | addon / cv4n |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const results: Record<string, unknown>[] = [];
  for (const pipeline of pipelines) {
    const entry = registry.pipelines.find((p) => p.id === pipeline);
    const cv4nPossible = entry?.nodes.length === 1 && entry.nodes[0].kind === 'detector';
    for (const [slots, threads] of settings) {
      const specFile = path.join(OUT, `spec-${slots}x${threads}.txt`);
      const settingConfig = loadConfig({ ...process.env, FRAMEWIRE_WORKER_SLOTS: String(slots), FRAMEWIRE_OPENCV_THREADS: String(threads) });
      writeSpecFile(buildEngineSpec(registry, settingConfig, readLabels), specFile);
      const args = [pipeline, String(slots), String(threads), FRAMES_DIR, String(frameCount)];
      const runs: { cpp: RunReport[]; addon: RunReport[]; cv4n: RunReport[] } = { cpp: [], addon: [], cv4n: [] };
      for (let r = 0; r < repeat; r++) {
        runs.cpp.push(runChild(CPP_LOOP, [specFile, pipeline, FRAMES_DIR, String(frameCount)]));
        runs.addon.push(runChild(process.execPath, [path.join(dist, 'addon-run.js'), ...args]));
        if (cv4nPossible) runs.cv4n.push(runChild(process.execPath, [path.join(dist, 'cv4n-run.js'), ...args]));
      }
      const cpp = medianRun(runs.cpp);
      const addon = medianRun(runs.addon);
      const cv4n = cv4nPossible ? medianRun(runs.cv4n) : undefined;
      results.push({ pipeline, slots, threads, cpp, addon, cv4n });
      const ratio = (a: RunReport, b: RunReport | undefined): string => (b ? `${((100 * a.fps) / b.fps).toFixed(0)}%` : 'n/a');
      console.log(`| ${pipeline} | ${slots}x${threads} | ${fmt(cpp)} | ${fmt(addon)} | ${ratio(addon, cpp)} | ${fmt(cv4n)} | ${cv4n ? `${(addon.fps / cv4n.fps).toFixed(2)}x` : 'n/a'} |`);
    }
  }
  console.log('\nBest setting per pipeline (throughput):\n\n| pipeline | best C++ fps | best addon fps | addon / best C++ | best cv4n fps | best addon / best cv4n |\n|---|---|---|---|---|---|');
  for (const pipeline of pipelines) {
    const rows = results.filter((r) => r.pipeline === pipeline) as { cpp: RunReport; addon: RunReport; cv4n?: RunReport }[];
    const best = (pick: (r: (typeof rows)[number]) => RunReport | undefined): number => Math.max(0, ...rows.map((r) => pick(r)?.fps ?? 0));
    const [c, a, v] = [best((r) => r.cpp), best((r) => r.addon), best((r) => r.cv4n)];
    console.log(`| ${pipeline} | ${c.toFixed(1)} | ${a.toFixed(1)} | ${((100 * a) / c).toFixed(1)}% | ${v ? v.toFixed(1) : 'n/a'} | ${v ? `${(a / v).toFixed(2)}x` : 'n/a'} |`);
  }
  writeFileSync(path.join(OUT, 'native-bench.json'), JSON.stringify(results, null, 2));
}

main();
