/**
 * npm run fuzz:native -- --seconds N [--corpus DIR] [--pipeline-every K]
 *
 * Builds build-fuzz/frame_fuzzer (libFuzzer + ASan + UBSan over native/core: test/fuzz/build-fuzzer.sh), writes
 * the engine spec from the server's own config (one slot, one OpenCV thread) and a seed corpus from
 * ../shared/media, and fuzzes for N seconds. New inputs go to --corpus (default: a fresh directory under
 * build-fuzz/), crash inputs to build-fuzz/artifacts/. Prints libFuzzer's figures as one JSON line; exits non-zero
 * on any finding (make the input a regression fixture: docs/reliability.md, "Native fuzzing").
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { PROJECT_ROOT } from '../../src/config';
import { writeConfiguredSpecFile } from '../../bench/native/spec-file';
import { writeSeeds } from './seeds';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    corpus: { type: 'string' },
    'pipeline-every': { type: 'string', default: '8' },
  },
});
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`--seconds must be a positive integer, got ${values.seconds}`);

const OUT = path.join(PROJECT_ROOT, 'build-fuzz');
execFileSync('bash', [path.join(PROJECT_ROOT, 'test/fuzz/build-fuzzer.sh')], { stdio: 'inherit' });

const specFile = path.join(OUT, 'spec.txt');
writeConfiguredSpecFile(specFile, { ...process.env, FRAMEWIRE_WORKER_SLOTS: '1', FRAMEWIRE_OPENCV_THREADS: '1' });

const seedDir = path.join(OUT, 'seeds');
const seedCount = writeSeeds(seedDir);
const corpus = values.corpus ?? mkdtempSync(path.join(OUT, 'corpus-'));
mkdirSync(corpus, { recursive: true });
const artifacts = path.join(OUT, 'artifacts');
mkdirSync(artifacts, { recursive: true });

const args = [
  `-max_total_time=${seconds}`,
  // A frame that takes 10 s is a finding (a CPU bomb), not just slow.
  '-timeout=10',
  '-rss_limit_mb=4096',
  `-dict=${path.join(PROJECT_ROOT, 'test/fuzz/jpeg.dict')}`,
  `-artifact_prefix=${artifacts}/`,
  '-print_final_stats=1',
  corpus,
  seedDir,
];
console.error(`fuzz:native: ${seedCount} seeds, ${seconds} s, corpus ${corpus}`);
const child = spawn(path.join(OUT, 'frame_fuzzer'), args, {
  env: {
    ...process.env,
    FRAMEWIRE_FUZZ_SPEC: specFile,
    FRAMEWIRE_FUZZ_PIPELINE_EVERY: values['pipeline-every'],
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
  },
  stdio: ['ignore', 'inherit', 'pipe'],
});
let tail = '';
child.stderr.on('data', (chunk: Buffer) => {
  process.stderr.write(chunk);
  tail = (tail + chunk.toString()).slice(-20000);
});
child.on('close', (code, signal) => {
  const stat = (name: string): number | undefined => {
    const m = new RegExp(`stat::${name}:\\s+(\\d+)`).exec(tail);
    return m ? Number(m[1]) : undefined;
  };
  const done = [...tail.matchAll(/#(\d+)\s+(?:DONE|pulse|NEW|REDUCE)\s+cov: (\d+) ft: (\d+) corp: (\d+)\/(\S+)/g)].at(-1);
  const summary = {
    seconds,
    seeds: seedCount,
    executions: stat('number_of_executed_units'),
    exec_per_sec: stat('average_exec_per_sec'),
    cov_edges: done ? Number(done[2]) : undefined,
    features: done ? Number(done[3]) : undefined,
    corpus_inputs: done ? Number(done[4]) : undefined,
    peak_rss_mb: stat('peak_rss_mb'),
    exit: code ?? signal,
  };
  console.log(JSON.stringify(summary));
  process.exitCode = code === 0 ? 0 : 1;
});
