/**
 * npm run bench:rest-burst -- [--pipeline detect_fast --fps 10 --bursts 8 --burst-size 200 --quiet-seconds 3]
 *                            [--body-bytes N] [--client-nice N] [--variant env:K=V,... | root:DIR | haproxy:FILE[,K=V...] ...]
 *
 * Issue 9, defect 15: how much does a burst of parallel REST requests stall a paced stream? One paced stream
 * session (vtest frames, `--fps`) runs against a real server process (npm start's flags). Each round has a
 * quiet phase (the stream alone: its baseline latency) and then a burst: `--burst-size` POST .../infer at
 * once with vtest frames (the request queue takes FRAMEWIRE_MAX_QUEUED_REQUESTS of them; the rest get 503).
 * Stream frames sent from the burst's start until its last answer are "burst frames". Stall = a burst frame's
 * latency minus the median quiet latency. One frame's work = the engine's own median time for a frame
 * (timings_ms.total of the REST answers during the bursts, measured under the same contention).
 * Target (issue 9): max stall at most one frame's work. With --body-bytes, the burst sends bodies of that size
 * instead (not JPEGs) and the server's RSS peak during the burst is the figure to look at.
 *
 * --client-nice N runs the bench's REST-burst thread at nice N: the burst's 200 fetches then stop competing
 * with the server for the two cores, roughly as if the REST clients were on another machine (the stream
 * client keeps normal priority). Without it, the load generator's own CPU is part of what the stream sees.
 *
 * With several --variant values the servers alternate round by round (paired: this VM drifts within
 * minutes), e.g. --variant root:/tmp/fw-old --variant env: to compare an older checkout with this one.
 * A variant that sets FRAMEWIRE_REST_PORT (a fixed port, e.g. --variant env:FRAMEWIRE_REST_PORT=18181) gets its
 * burst on that port, the REST port's own thread; the stream stays on the main port. With `haproxy:FILE` as
 * well, the proxy routes /v1/ to the REST port (FRAMEWIRE_REST_BACKEND_1) and both go through it.
 * `--variant haproxy:FILE` runs this checkout's server behind HAProxy started with FILE (the shipped
 * deploy/haproxy/haproxy.cfg or a variant of it): the stream and the burst then go through the proxy, as they
 * would in a deployment; the server's metrics are still read directly.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

import WebSocket from 'ws';

import { PROJECT_ROOT } from '../../src/config';
import { Haproxy } from '../../test/cluster/load-balancers';
import { videoFramesAsJpeg } from '../../test/helpers/media';
import { percentile } from '../native/measure';
import { classify, engineTotalMs } from './load-generator';
import type { BurstReport } from './rest-burst-worker';
import { startServerProcess, type ServerProcess } from './server-process';

const { values: args } = parseArgs({
  options: {
    pipeline: { type: 'string', default: 'detect_fast' },
    fps: { type: 'string', default: '10' },
    bursts: { type: 'string', default: '8' },
    'burst-size': { type: 'string', default: '200' },
    'quiet-seconds': { type: 'string', default: '3' },
    /** Burst bodies of this many bytes (not JPEGs: each is refused invalid_frame when its turn comes) to see memory. */
    'body-bytes': { type: 'string' },
    'client-nice': { type: 'string', default: '0' },
    variant: { type: 'string', multiple: true, default: ['env:'] },
  },
});
const PIPELINE = args.pipeline as string;
const FPS = Number(args.fps);
const BURSTS = Number(args.bursts);
const BURST_SIZE = Number(args['burst-size']);
const QUIET_MS = Number(args['quiet-seconds']) * 1000;
const BODY_BYTES = args['body-bytes'] === undefined ? undefined : Number(args['body-bytes']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
/** Per-round figures as "median (min..max)". */
const spread = (values: number[]): string => {
  const v = sorted(values);
  return `${f1(percentile(v, 0.5))} (${f1(v[0])}..${f1(v[v.length - 1])})`;
};

interface Variant {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly root: string;
  /** An HAProxy configuration to put in front of the server. */
  readonly haproxy?: string;
}

/** A server as the bench reaches it: directly, or through a proxy (then `front` is the proxy's port). */
interface Target {
  readonly server: ServerProcess;
  readonly front: number;
  /** Where the burst goes: the REST port when the variant sets FRAMEWIRE_REST_PORT, else `front`. */
  readonly restPort: number;
  stop(): Promise<void>;
}

async function startTarget(variant: Variant): Promise<Target> {
  const server = await startServerProcess(variant.env, [], variant.root);
  const restPort = Number(variant.env.FRAMEWIRE_REST_PORT ?? 0);
  if (!variant.haproxy) return { server, front: server.port, restPort: restPort || server.port, stop: () => server.stop() };
  const workDir = mkdtempSync(path.join(tmpdir(), 'fw-rest-burst-'));
  // With a REST port, the proxy routes /v1/ to it (FRAMEWIRE_REST_BACKEND_1), as a deployment would.
  const proxy = await Haproxy.start([`127.0.0.1:${server.port}`], workDir, path.resolve(variant.haproxy), restPort ? [`127.0.0.1:${restPort}`] : []);
  await proxy.waitForStatus('fw1', 'UP', 10_000);
  if (restPort) await proxy.waitForStatus('rest1', 'UP', 10_000, 'framewire_rest');
  return {
    server,
    front: proxy.port,
    restPort: proxy.port,
    stop: async () => {
      await proxy.stop();
      await server.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** `K=V,K=V` as an env object. */
function envPairs(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs.filter(Boolean)) {
    const [k, ...v] = pair.split('=');
    env[k] = v.join('=');
  }
  return env;
}

function parseVariant(spec: string): Variant {
  if (spec.startsWith('root:')) return { name: spec, env: {}, root: spec.slice(5) };
  if (spec.startsWith('haproxy:')) {
    // haproxy:FILE[,K=V...]: the server's env after the file.
    const [file, ...pairs] = spec.slice(8).split(',');
    return { name: spec, env: envPairs(pairs), root: PROJECT_ROOT, haproxy: file };
  }
  const env = envPairs(spec.replace(/^env:/, '').split(','));
  return { name: spec === 'env:' ? 'this checkout' : spec, env, root: PROJECT_ROOT };
}

interface RoundFigures {
  /** Stream latency (send to answer), ms. */
  quiet: number[];
  burst: number[];
  /** The same minus the frame's own engine time (timings_ms.total): its wait for a slot plus transport, ms. */
  quietWait: number[];
  burstWait: number[];
  burstStale: number;
  quietStale: number;
  restOk: number;
  restBusy: number;
  restOther: number;
  restEngineMs: number[];
  streamEngineMs: number[];
  burstMs: number;
  /** The server's RSS before the burst and its peak during it (sampled every 50 ms), MB. */
  rssBefore: number;
  rssPeak: number;
  /** CPU time of the server's JS thread from the burst's start until its last answer, ms (schedstat: ns resolution). */
  jsCpuMs: number;
  /** The server's own view: the longest queue wait (receive to start) of a stream frame in the burst phase, as the histogram bucket bound it falls under, ms. */
  serverWaitBoundMs: number;
  /** The server's event loop: its longest delay from the burst's start to 1 s after its end, ms. */
  loopLagMaxMs: number;
}

/**
 * framewire_stream_queue_wait_seconds's cumulative bucket counts for the pipeline: le (ms) -> count; and the
 * event loop's longest delay since the previous scrape (prom-client resets its loop-delay histogram at each
 * scrape; 10 ms sampling), ms.
 */
async function scrape(base: string): Promise<{ buckets: Map<number, number>; loopLagMaxMs: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const lag = /^framewire_nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text);
  return { buckets: queueWaitBuckets(text), loopLagMaxMs: lag ? Number(lag[1]) * 1000 : NaN };
}

function queueWaitBuckets(text: string): Map<number, number> {
  const buckets = new Map<number, number>();
  const pattern = new RegExp(`^framewire_stream_queue_wait_seconds_bucket\\{le="([^"]+)",pipeline_id="${PIPELINE}"\\} (\\d+)`, 'gm');
  for (const m of text.matchAll(pattern)) buckets.set(m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000, Number(m[2]));
  return buckets;
}

/** The smallest bucket bound under which every frame counted between two scrapes falls. */
function waitBound(before: Map<number, number>, after: Map<number, number>): number {
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const le of [...after.keys()].sort((a, b) => a - b)) if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= total) return le;
  return Infinity;
}

/** One round on a running server: quiet phase, then one burst, with the paced stream throughout. */
async function round({ server, front, restPort }: Target, frames: Buffer[]): Promise<RoundFigures> {
  const figures: RoundFigures = { quiet: [], burst: [], quietWait: [], burstWait: [], burstStale: 0, quietStale: 0, restOk: 0, restBusy: 0, restOther: 0, restEngineMs: [], streamEngineMs: [], burstMs: 0, serverWaitBoundMs: NaN, loopLagMaxMs: NaN, rssBefore: server.rssMb(), rssPeak: 0, jsCpuMs: 0 };
  const ws = new WebSocket(`ws://127.0.0.1:${front}/ws/video/stream?pipeline_id=${PIPELINE}`, { perMessageDeflate: false });
  const sentAt: number[] = [];
  const phaseOf: ('quiet' | 'burst' | 'none')[] = [];
  let phase: 'quiet' | 'burst' | 'none' = 'none';
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data: Buffer) => {
      if (data.includes('session_started')) {
        resolve();
        return;
      }
      const answer = classify(data);
      if (!answer) return;
      const p = phaseOf[answer.index];
      if (p === 'none') return;
      if (answer.kind === 'result') {
        const latency = performance.now() - sentAt[answer.index];
        const engine = engineTotalMs(data);
        figures[p].push(latency);
        figures[p === 'quiet' ? 'quietWait' : 'burstWait'].push(latency - engine);
        if (p === 'quiet') figures.streamEngineMs.push(engine);
      } else if (answer.kind === 'stale') {
        if (p === 'burst') figures.burstStale += 1;
        else figures.quietStale += 1;
      }
    });
    ws.once('error', reject);
  });
  let k = 0;
  const first = performance.now();
  let sending = true;
  const tick = (): void => {
    if (!sending) return;
    sentAt[k] = performance.now();
    phaseOf[k] = phase;
    ws.send(frames[k % frames.length], { binary: true });
    k += 1;
    setTimeout(tick, Math.max(0, first + (k * 1000) / FPS - performance.now()));
  };
  tick();
  await sleep(1000); // the stream settles
  phase = 'quiet';
  await sleep(QUIET_MS);
  const base = `http://127.0.0.1:${server.port}`;
  const { buckets: bucketsBefore } = await scrape(base);
  phase = 'burst';
  const burstStart = performance.now();
  const cpuBefore = jsThreadCpuMs(server.child.pid!);
  figures.rssBefore = server.rssMb();
  const rssSampler = setInterval(() => (figures.rssPeak = Math.max(figures.rssPeak, server.child.exitCode === null ? server.rssMb() : 0)), 50);
  const bodies = BODY_BYTES === undefined ? frames : [Buffer.alloc(BODY_BYTES, 0x5a)];
  const report = await new Promise<BurstReport>((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'rest-burst-worker.js'), { workerData: { url: `http://127.0.0.1:${restPort}/v1/pipelines/${PIPELINE}/infer`, frames: bodies, size: BURST_SIZE, nice: Number(args['client-nice']) } });
    worker.once('message', (r: BurstReport) => {
      resolve(r);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
  figures.restOk = report.ok;
  figures.restBusy = report.busy;
  figures.restOther = report.other + report.failed;
  figures.restEngineMs.push(...report.engineMs);
  figures.burstMs = performance.now() - burstStart;
  figures.jsCpuMs = jsThreadCpuMs(server.child.pid!) - cpuBefore;
  clearInterval(rssSampler);
  await sleep(1000); // frames sent just before the burst ended are answered; they still count as burst frames
  phase = 'none';
  const after = await scrape(base);
  figures.serverWaitBoundMs = waitBound(bucketsBefore, after.buckets);
  figures.loopLagMaxMs = after.loopLagMaxMs;
  await sleep(500);
  sending = false;
  await new Promise<void>((resolve) => {
    ws.once('close', () => resolve());
    ws.close();
  });
  return figures;
}

async function main(): Promise<void> {
  const frames = videoFramesAsJpeg('vtest.avi', 0, 30);
  const variants = (args.variant as string[]).map(parseVariant);
  console.log(`rest-burst: ${PIPELINE}, stream at ${FPS} frames/s, ${BURSTS} rounds of ${QUIET_MS / 1000} s quiet + a burst of ${BURST_SIZE} requests (burst client at nice ${args['client-nice']}); variants: ${variants.map((v) => v.name).join(' | ')}`);
  const results = new Map<string, RoundFigures[]>(variants.map((v) => [v.name, []]));
  // Every variant's server stays up (idle servers cost no CPU); rounds alternate between them.
  const servers = new Map<string, Target>();
  for (const variant of variants) servers.set(variant.name, await startTarget(variant));
  try {
    for (let r = 0; r < BURSTS; r++) {
      // Alternate which variant goes first, so neither always gets the VM's same phase.
      const order = r % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        const figures = await round(servers.get(variant.name)!, frames);
        results.get(variant.name)!.push(figures);
        const { latencyStall, waitStall, work } = stalls(figures);
        console.log(`  round ${r + 1} ${variant.name}: quiet p50 ${f1(percentile(sorted(figures.quiet), 0.5))} ms, burst max ${f1(Math.max(...figures.burst))} ms; stall ${f1(latencyStall)} ms, of which waiting ${f1(waitStall)} ms, vs one frame's work ${f1(work)} ms (${f1(waitStall / work)}x); the server's queue wait for burst-phase frames <= ${f1(figures.serverWaitBoundMs)} ms, its event loop's longest delay ${f1(figures.loopLagMaxMs)} ms; stale ${figures.burstStale}; REST 200 x${figures.restOk}, 503 x${figures.restBusy}, other x${figures.restOther}; burst ${f1(figures.burstMs)} ms; server JS thread ${f1(figures.jsCpuMs)} ms CPU in it (${f1((1000 * figures.jsCpuMs) / BURST_SIZE)} us a request); RSS ${f1(figures.rssBefore)} -> peak ${f1(figures.rssPeak)} MB`);
      }
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  console.log('\n| variant | rounds | stream latency quiet p50 / p99 ms | in bursts p50 / p99 / max ms | stall: max latency - quiet p50, ms | of which waiting for a slot, ms | one frame\'s work, ms | waiting stall / work | stale in bursts | REST 200 / 503 / other | server JS-thread CPU per burst, ms | server: longest slot wait in bursts, ms (bucket bound) | ... / work | server: event loop\'s longest delay, ms |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const variant of variants) {
    const rounds = results.get(variant.name)!;
    const quiet = sorted(rounds.flatMap((f) => f.quiet));
    const burst = sorted(rounds.flatMap((f) => f.burst));
    const per = rounds.map(stalls);
    const med = (pick: (x: ReturnType<typeof stalls>) => number): string => spread(per.map(pick));
    const sum = (pick: (f: RoundFigures) => number): number => rounds.reduce((n, f) => n + pick(f), 0);
    console.log(`| ${variant.name} | ${rounds.length} | ${f1(percentile(quiet, 0.5))} / ${f1(percentile(quiet, 0.99))} | ${f1(percentile(burst, 0.5))} / ${f1(percentile(burst, 0.99))} / ${f1(burst[burst.length - 1])} | ${med((x) => x.latencyStall)} | ${med((x) => x.waitStall)} | ${med((x) => x.work)} | ${med((x) => x.waitStall / x.work)} | ${sum((f) => f.burstStale)} | ${sum((f) => f.restOk)} / ${sum((f) => f.restBusy)} / ${sum((f) => f.restOther)} | ${spread(rounds.map((f) => f.jsCpuMs))} | ${spread(rounds.map((f) => f.serverWaitBoundMs))} | ${med((x) => x.serverBound / x.work)} | ${spread(rounds.map((f) => f.loopLagMaxMs))} |`);
    const ratio = sorted(per.map((x) => x.waitStall / x.work));
    console.log(`  ${variant.name}: ${percentile(ratio, 0.5) <= 1 ? 'MET' : 'NOT MET'} (median over rounds of a burst's longest wait beyond the quiet wait, at most one frame's work)`);
    const slotRatio = sorted(per.map((x) => x.serverBound / x.work));
    console.log(`  ${variant.name}: slot share ${percentile(slotRatio, 0.5) <= 1 ? 'MET' : 'NOT MET'} (median over rounds of the server's longest wait for a slot, as its histogram bucket bound, at most one frame's work)`);
  }
}

/** CPU time the process's main (JS) thread has used, ms: /proc/PID/task/PID/schedstat's first field, in ns. */
function jsThreadCpuMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
}

/** A round's stall figures: the longest burst latency and wait beyond the quiet medians, and one frame's work. */
function stalls(f: RoundFigures): { latencyStall: number; waitStall: number; work: number; serverBound: number } {
  return {
    serverBound: f.serverWaitBoundMs,
    latencyStall: Math.max(...f.burst) - percentile(sorted(f.quiet), 0.5),
    waitStall: Math.max(...f.burstWait) - percentile(sorted(f.quietWait), 0.5),
    work: percentile(sorted(f.restEngineMs), 0.5),
  };
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
