/**
 * npm run bench [-- --pipelines detect_fast,detect --rounds 5 --round-seconds 3 --warm-seconds 30 --overload-seconds 60 --soak 100000 [--soak-only]]
 *
 * The server end to end, against the plain C++ loop (bench/native/plain_loop.cc: OpenCV alone, full-scale
 * decode, blobFromImage, the same model, NMS; no Framewire code), in paired rounds: this VM drifts by 20%
 * within minutes, so each round runs the loop and then the server for a few seconds, a figure is taken per
 * round, and the verdict is on the median over the rounds. Before the rounds each server is warmed for
 * --warm-seconds (4 sessions, closed loop): a server runs for hours, and V8 takes its first several thousand frames
 * to optimize the hot path (the JS thread costs up to twice as much a frame meanwhile); the warm-up's own JS-thread
 * figure is printed. Per pipeline:
 *   saturation  4 sessions closed loop vs the loop's 2 workers x 1 thread (frames/s ratio per round)
 *   lone        1 session closed loop vs the loop's 1 worker x 2 threads (p50 difference per round)
 *   large       1920x1080 frames, 4 sessions vs the loop at 2 x 1 on the same frames (ratio per round)
 *   JS thread   the server's main-thread CPU per answered frame, over the saturation rounds
 *   backend     FRAMEWIRE_CORE_SHARING on vs off, two servers alternating: saturation frames/s and p99,
 *               lone p50 (the custom parallel backend must win beyond noise to stay)
 *   overload    4 sessions at 2x the closed-loop rate for --overload-seconds, between two 10 s closed loops
 *               (the capacity it is compared with): goodput, p99, exactly once, creep
 * Also, for reference, the engine-based C++ loop (bench/native/cpp_loop.cc over native/core) at the server's
 * default setting. With --soak N, RSS over N frames (--soak-only: that alone, on the first pipeline; memory does not
 * depend on this VM's speed phase, the rounds do). With --track, every server session tracks (`&track=true`
 * and a configure with a counting line), so the targets are checked with tracking on. Prints every figure and
 * each target's MET / NOT MET;
 * bench/RESULTS.md records runs with this command.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadConfig, PROJECT_ROOT } from '../../src/config';
import { buildEngineSpec, labelsIn } from '../../src/services/pipeline/engine-spec';
import { parseRegistry } from '../../src/services/pipeline/registry';
import { encodeJpeg, videoFramesAsJpeg } from '../../test/helpers/media';
import cv from '../../test/helpers/opencv';
import { runChild, writeFrameDir, type RunReport as LoopReport } from '../native/measure';
import { writeSpecFile } from '../native/spec-file';
import { overloadRate, runLoad, type RunReport } from './load-generator';
import { startServerProcess, type ServerProcess } from './server-process';

// Strict: a mistyped flag stops the run instead of being ignored.
const { values: args } = parseArgs({
  options: {
    pipelines: { type: 'string', default: 'detect_fast,detect' },
    rounds: { type: 'string', default: '5' },
    'round-seconds': { type: 'string', default: '3' },
    'warm-seconds': { type: 'string', default: '30' },
    'overload-seconds': { type: 'string', default: '60' },
    soak: { type: 'string', default: '0' },
    'soak-only': { type: 'boolean', default: false },
    track: { type: 'boolean', default: false },
  },
});

const OUT = path.join(PROJECT_ROOT, 'bench', 'out');
const PLAIN_LOOP = path.join(OUT, 'plain_loop');
const CPP_LOOP = path.join(OUT, 'cpp_loop');
const rounds = Number(args.rounds);
const roundSeconds = Number(args['round-seconds']);
const warmSeconds = Number(args['warm-seconds']);
const overloadSeconds = Number(args['overload-seconds']);
const soakFrames = Number(args.soak);
const soakOnly = args['soak-only'] as boolean;
/** The soak's flatness bound: how far the second half's peak RSS may rise above the first half's. */
const SOAK_SECOND_HALF_MB = 5;
const cores = os.availableParallelism();
/** --track: every server session tracks, with one counting line (issue 10: the targets must hold with tracking on). */
const tracking = args.track
  ? { query: '&track=true', control: JSON.stringify({ type: 'configure', lines: [{ id: 'gate', from: [384, 0], to: [384, 576] }] }) }
  : {};

const f1 = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(1));
const f2 = (n: number): string => n.toFixed(2);
const verdict = (ok: boolean): string => (ok ? 'MET' : 'NOT MET');
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values: number[]): string => `${f2(Math.min(...values))}..${f2(Math.max(...values))}`;

interface PlainReport extends LoopReport {
  detections_first_frame: number;
}

function describe(name: string, r: RunReport): string {
  return `| ${name} | ${r.sessions} | ${r.fpsPerSession ?? 'closed'} | ${r.sent} | ${r.results} | ${r.dropped.superseded}/${r.dropped.stale} | ${r.errors} | ${r.answeredExactlyOnce ? 'yes' : 'NO'} | ${f1(r.resultsPerSecond)} | ${f1(r.p50)} | ${f1(r.p99)} | ${f1(r.computeP50)} / ${f1(r.computeP99)} | ${f1(r.outsideP99)} | ${f1(r.firstP99)} / ${f1(r.lastP99)} |`;
}

/** One server run, with the server's main-thread CPU it cost per answered frame. */
async function measured(server: ServerProcess, run: () => Promise<RunReport>): Promise<{ report: RunReport; jsMsPerFrame: number }> {
  const before = server.mainThreadCpuMs();
  const report = await run();
  const cpu = server.mainThreadCpuMs() - before;
  return { report, jsMsPerFrame: cpu / Math.max(1, report.results) };
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
  const registry = parseRegistry(JSON.parse(readFileSync(config.pipelinesFile, 'utf8')));
  const pipelines = (args.pipelines as string).split(',');

  const frames768 = videoFramesAsJpeg('vtest.avi', 0, 100);
  const frames1080 = frames768.map((jpeg) => encodeJpeg(cv.imdecode(jpeg).resize(1080, 1920)));
  const dir768 = path.join(OUT, 'frames-vtest-768');
  const dir1080 = path.join(OUT, 'frames-vtest-1080');
  writeFrameDir(dir768, frames768);
  writeFrameDir(dir1080, frames1080);
  const defaultSpec = path.join(OUT, 'spec-default.txt');
  writeSpecFile(buildEngineSpec(registry, config, labelsIn(config.modelDir)), defaultSpec);

  console.log(`# npm run bench: ${new Date().toISOString()}${args.track ? ' (tracking on in every server session)' : ''}`);
  console.log(`machine: ${os.cpus()[0].model}, ${cores} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  console.log(`server defaults: FRAMEWIRE_WORKER_SLOTS=${config.workerSlots} FRAMEWIRE_OPENCV_THREADS=${config.openCvThreads} FRAMEWIRE_CORE_SHARING=${config.coreSharing}; frames: vtest.avi JPEG q90 768x576 (${frames768[0].length} B) and 1920x1080 (${frames1080[0].length} B); ${rounds} paired rounds of ${roundSeconds} s`);

  for (const pipeline of soakOnly ? [] : pipelines) {
    const entry = registry.pipelines.find((p) => p.id === pipeline);
    const model = entry && entry.nodes.length === 1 ? registry.models.get(entry.nodes[0].model) : undefined;
    if (!model || model.format !== 'darknet_yolo' || !model.config) throw new Error(`the plain loop runs single-node darknet pipelines; ${pipeline} is not one`);
    const inModelDir = (f: string): string => path.join(config.modelDir, f);
    const plain = (dir: string, count: number, workers: number, threads: number): PlainReport =>
      runChild<PlainReport>(PLAIN_LOOP, ['darknet_yolo', inModelDir(model.config as string), inModelDir(model.weights), String(model.input.width), String(model.input.height), dir, String(count), String(workers), String(threads)]);
    // Frames per plain-loop run: about one round's worth at the loop's speed (measured once, below).
    const probe = plain(dir768, 200, 2, 1);
    const count768 = Math.max(200, Math.round(probe.fps * roundSeconds));
    console.log(`\n## ${pipeline}\n\nplain loop probe: 2x1 ${f1(probe.fps)} frames/s, ${probe.detections_first_frame} boxes on frame 0`);

    const server = await startServerProcess();
    const other = await startServerProcess({ FRAMEWIRE_CORE_SHARING: String(!config.coreSharing) });
    const url = server.wsUrl;
    const load = (u: string, sessions: number, frames: readonly Buffer[], seconds = roundSeconds): Promise<RunReport> =>
      runLoad({ url: u, pipeline, sessions, frames, durationMs: seconds * 1000, ...tracking });
    // Warm both servers to their steady state: the first seconds of a process are slower (page faults), and
    // V8 optimizes the hot path only after thousands of frames (bench/RESULTS.md, "The JS thread,
    // warmed"). The rounds compare steady states; what the warm-up cost the JS thread is printed.
    const warm = await measured(server, () => load(url, 4, frames768, warmSeconds));
    await load(other.wsUrl, 4, frames768, warmSeconds);
    console.log(`warm-up: ${warmSeconds} s of 4 sessions closed loop on each server; ${warm.report.results} frames on the measured one, its JS thread ${f2(warm.jsMsPerFrame)} ms a frame over them`);
    const rssStart = server.rssMb();

    const sat = { loop: [] as number[], server: [] as number[], ratio: [] as number[], js: [] as number[] };
    const lone = { loop: [] as number[], server: [] as number[], diff: [] as number[] };
    const large = { loop: [] as number[], server: [] as number[], ratio: [] as number[] };
    const backend = { onFps: [] as number[], offFps: [] as number[], onP99: [] as number[], offP99: [] as number[], onLone: [] as number[], offLone: [] as number[] };
    const sharingServer = config.coreSharing ? server : other;
    const plainServer = config.coreSharing ? other : server;
    const lastRuns: Record<string, RunReport> = {};
    for (let round = 0; round < rounds; round++) {
      const l4 = plain(dir768, count768, 2, 1);
      const s4 = await measured(server, () => load(url, 4, frames768));
      sat.loop.push(l4.fps);
      sat.server.push(s4.report.resultsPerSecond);
      sat.ratio.push(s4.report.resultsPerSecond / l4.fps);
      sat.js.push(s4.jsMsPerFrame);

      const l1 = plain(dir768, Math.round(count768 / 3), 1, cores);
      const s1 = await load(url, 1, frames768);
      lone.loop.push(l1.p50_ms);
      lone.server.push(s1.p50);
      lone.diff.push(s1.p50 - l1.p50_ms);

      const lL = plain(dir1080, Math.round(count768 / 2), 2, 1);
      const sL = await load(url, 4, frames1080);
      large.loop.push(lL.fps);
      large.server.push(sL.resultsPerSecond);
      large.ratio.push(sL.resultsPerSecond / lL.fps);

      // The parallel backend A/B: both servers alternate, saturation then a lone stream; which goes first
      // alternates by round, so a drift within a round favours neither.
      const [first, second] = round % 2 === 0 ? [sharingServer, plainServer] : [plainServer, sharingServer];
      const sat1 = await load(first.wsUrl, 4, frames768);
      const sat2 = await load(second.wsUrl, 4, frames768);
      const lone1 = await load(first.wsUrl, 1, frames768);
      const lone2 = await load(second.wsUrl, 1, frames768);
      const [onSat, offSat, onLone, offLone] = first === sharingServer ? [sat1, sat2, lone1, lone2] : [sat2, sat1, lone2, lone1];
      backend.onFps.push(onSat.resultsPerSecond);
      backend.offFps.push(offSat.resultsPerSecond);
      backend.onP99.push(onSat.p99);
      backend.offP99.push(offSat.p99);
      backend.onLone.push(onLone.p50);
      backend.offLone.push(offLone.p50);
      Object.assign(lastRuns, { s4: s4.report, s1, sL });
      console.log(`round ${round + 1}: 4 sessions ${f1(s4.report.resultsPerSecond)} vs loop ${f1(l4.fps)} (${f2(s4.report.resultsPerSecond / l4.fps)}x, JS ${f2(s4.jsMsPerFrame)} ms/frame); lone p50 ${f2(s1.p50)} vs ${f2(l1.p50_ms)} ms; 1080p ${f1(sL.resultsPerSecond)} vs ${f1(lL.fps)}; backend on/off ${f1(onSat.resultsPerSecond)}/${f1(offSat.resultsPerSecond)} frames/s, p99 ${f1(onSat.p99)}/${f1(offSat.p99)}, lone ${f2(onLone.p50)}/${f2(offLone.p50)} ms`);
    }
    await other.stop();

    // Overload, paired like the rounds: the server's closed-loop rate just before and just after it is the
    // capacity (their mean); the open loop offers twice the one before.
    const closedBefore = await load(url, 4, frames768, 10);
    const overload = await runLoad({ url, pipeline, sessions: 4, fps: overloadRate(closedBefore), frames: frames768, durationMs: overloadSeconds * 1000, ...tracking });
    const closedAfter = await load(url, 4, frames768, 10);
    const capacity = (closedBefore.resultsPerSecond + closedAfter.resultsPerSecond) / 2;
    const rssEnd = server.rssMb();
    await server.stop();
    const engineLoop = runChild<LoopReport>(CPP_LOOP, [defaultSpec, pipeline, dir768, String(count768)]);

    console.log('\n| server run (last round) | sessions | fps/session | sent | results | superseded/stale | errors | answered once | results/s | p50 ms | p99 ms | engine ms p50 / p99 | outside the engine p99 ms | first/last 10 s p99 |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    console.log(describe('closed, 768x576', lastRuns.s1));
    console.log(describe('closed, 768x576', lastRuns.s4));
    console.log(describe('closed, 1920x1080', lastRuns.sL));
    console.log(describe(`open 2x capacity, ${overloadSeconds} s`, overload));
    console.log(`\nreference: engine-based C++ loop (native/core, server default ${config.workerSlots}x${config.openCvThreads}, 2 x slots submitters): ${f1(engineLoop.fps)} frames/s, p50 ${f1(engineLoop.p50_ms)} ms`);
    console.log(`server RSS: ${f1(rssStart)} MB after warm-up, ${f1(rssEnd)} MB after these runs`);

    const satRatio = median(sat.ratio);
    const loneDiff = median(lone.diff);
    const largeRatio = median(large.ratio);
    const js = median(sat.js);
    const loneP50 = median(lone.server);
    console.log('\n| target | measured (median of rounds; spread) | verdict |\n|---|---|---|');
    console.log(`| 4 sessions closed loop >= 0.95x the plain loop (2 workers x 1 thread) | ${f2(satRatio)}x (${spread(sat.ratio)}); server ${f1(median(sat.server))}, loop ${f1(median(sat.loop))} frames/s | ${verdict(satRatio >= 0.95)} |`);
    console.log(`| lone stream p50 <= the plain loop's 1 worker x ${cores} threads p50 + 0.5 ms | ${loneDiff >= 0 ? '+' : ''}${f2(loneDiff)} ms (${spread(lone.diff)}); server ${f2(loneP50)}, loop ${f2(median(lone.loop))} ms | ${verdict(loneDiff <= 0.5)} |`);
    console.log(`| 1920x1080, 4 sessions >= 1.0x the plain loop (full-scale decode) | ${f2(largeRatio)}x (${spread(large.ratio)}); server ${f1(median(large.server))}, loop ${f1(median(large.loop))} frames/s | ${verdict(largeRatio >= 1.0)} |`);
    console.log(`| overload goodput >= 0.97x the closed-loop frames/s (10 s closed loops just before and after: ${f1(closedBefore.resultsPerSecond)}, ${f1(closedAfter.resultsPerSecond)}) | ${f1(overload.resultsPerSecond)} / ${f1(capacity)} = ${f2(overload.resultsPerSecond / capacity)}x | ${verdict(overload.resultsPerSecond >= 0.97 * capacity)} |`);
    console.log(`| overload p99 <= 3.5x the lone-stream p50 | ${f1(overload.p99)} vs 3.5 x ${f2(loneP50)} = ${f1(3.5 * loneP50)} ms | ${verdict(overload.p99 <= 3.5 * loneP50)} |`);
    console.log(`| overload: every frame answered exactly once | ${overload.answeredExactlyOnce ? 'yes' : 'no'} (${overload.sent} sent) | ${verdict(overload.answeredExactlyOnce)} |`);
    if (overload.firstP99 !== undefined && overload.lastP99 !== undefined) {
      console.log(`| overload: no creep (last-10-s p99 within 10% of the first 10 s) | ${f1(overload.lastP99)} vs ${f1(overload.firstP99)} | ${verdict(overload.lastP99 <= 1.1 * overload.firstP99)} |`);
    }
    console.log(`| JS-thread CPU per answered frame <= 0.32 ms (half of 0.64), warmed server | ${f2(js)} ms (${spread(sat.js)}); over the warm-up ${f2(warm.jsMsPerFrame)} | ${verdict(js <= 0.32)} |`);
    console.log(`\n| parallel backend A/B (${rounds} alternating rounds) | core sharing on | off (OpenCV's TBB) | on/off, median of per-round ratios |\n|---|---|---|---|`);
    const ratios = (a: number[], b: number[]): number => median(a.map((v, i) => v / b[i]));
    console.log(`| 4 sessions frames/s | ${f1(median(backend.onFps))} | ${f1(median(backend.offFps))} | ${f2(ratios(backend.onFps, backend.offFps))} (${spread(backend.onFps.map((v, i) => v / backend.offFps[i]))}) |`);
    console.log(`| 4 sessions p99 ms | ${f1(median(backend.onP99))} | ${f1(median(backend.offP99))} | ${f2(ratios(backend.onP99, backend.offP99))} (${spread(backend.onP99.map((v, i) => v / backend.offP99[i]))}) |`);
    console.log(`| lone stream p50 ms | ${f2(median(backend.onLone))} | ${f2(median(backend.offLone))} | ${f2(ratios(backend.onLone, backend.offLone))} (${spread(backend.onLone.map((v, i) => v / backend.offLone[i]))}) |`);
  }

  if (soakFrames > 0) {
    const pipeline = pipelines[0];
    const server = await startServerProcess();
    await runLoad({ url: server.wsUrl, pipeline, sessions: 4, frames: frames768, durationMs: 10_000, ...tracking });
    const warm = server.rssMb();
    let results = 0;
    let chunks = 0;
    const rss: number[] = [];
    // Where RSS goes, per minute: V8's heap (which its GC bounds; --initial-old-space-size lets the old space
    // fill toward 64 MB before a full collection) and what is outside it (native: OpenCV, the engine, buffers).
    const heapRows: string[] = [];
    while (results < soakFrames) {
      const r = await runLoad({ url: server.wsUrl, pipeline, sessions: 4, frames: frames768, durationMs: 60_000, ...tracking });
      results += r.results;
      chunks += 1;
      rss.push(server.rssMb());
      const heap = await server.v8HeapMb();
      heapRows.push(`| ${chunks} | ${results} | ${f1(rss[rss.length - 1])} | ${f1(heap.total)} | ${f1(heap.used)} | ${f1(heap.external)} | ${f1(rss[rss.length - 1] - heap.total)} |`);
      if (!r.answeredExactlyOnce) console.log(`soak chunk ${chunks}: NOT answered exactly once`);
    }
    const after = server.rssMb();
    await server.stop();
    // Flat: bounded overall, and its peaks not rising. RSS under `npm start`'s --initial-old-space-size=64 is a
    // sawtooth, not a line: short-lived garbage promoted to V8's old space stays until a full collection, which
    // comes when V8 decides (once in about 8 minutes in one 15-minute run, not at all in another), and then
    // RSS falls back. So the second half's peak is compared with the first half's: a leak raises every peak.
    // At about 170 frames/s a leak of 100 bytes a frame is 1 MB a minute, 5 MB over 5 minutes: the bound.
    // The memory outside V8's heap (RSS minus its total) is printed per minute beside it.
    const half = Math.ceil(rss.length / 2);
    const firstPeak = Math.max(...rss.slice(0, half));
    const secondPeak = Math.max(...rss.slice(half));
    console.log(`\n## soak (${pipeline}, 4 sessions closed loop, RSS after warm-up ${f1(warm)} MB)\n\n| minute | frames | RSS MB | V8 heap total MB | V8 heap used MB | external MB | RSS minus V8 heap MB |\n|---|---|---|---|---|---|---|\n${heapRows.join('\n')}\n\n| target | measured | verdict |\n|---|---|---|`);
    console.log(`| memory: RSS after ${results} frames within 50 MB of RSS after warm-up | ${f1(warm)} MB -> ${f1(after)} MB (${f1(after - warm)} MB) | ${verdict(after - warm <= 50)} |`);
    console.log(`| memory flat: the peak RSS of the second half (the last ${rss.length - half} of ${rss.length} minutes) at most ${SOAK_SECOND_HALF_MB} MB above the first half's | ${rss.length >= 2 ? `${f1(firstPeak)} MB -> ${f1(secondPeak)} MB (${f1(secondPeak - firstPeak)} MB)` : 'one minute only: needs two or more'} | ${verdict(rss.length >= 2 && secondPeak - firstPeak <= SOAK_SECOND_HALF_MB)} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
