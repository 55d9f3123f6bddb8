/** Starts the real server (`node dist/src/server.js`) as a child process for the benchmark. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

import { PROJECT_ROOT } from '../../src/config';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly wsUrl: string;
  readonly port: number;
  /** Resident set size now, MB (from /proc). */
  rssMb(): number;
  /** V8's heap now, MB, from the server's /metrics (prom-client's default process metrics). */
  v8HeapMb(): Promise<V8HeapMb>;
  /** CPU time the server's JS (main) thread has used so far, ms (user + system, from /proc; 10 ms ticks). */
  mainThreadCpuMs(): number;
  stop(): Promise<void>;
}

export interface V8HeapMb {
  readonly total: number;
  readonly used: number;
  readonly external: number;
  /** The old space's used part: what waits there for a full collection shows here. */
  readonly oldUsed: number;
}

/**
 * The Node.js flags `npm start` runs the server with (package.json's start script, the one place they are
 * set), so the benchmark measures the server as users run it.
 */
export function startScriptNodeFlags(root: string = PROJECT_ROOT): string[] {
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node' || words[words.length - 1] !== 'dist/src/server.js') throw new Error(`package.json start script is not "node [flags] dist/src/server.js": ${start}`);
  return words.slice(1, -1);
}

/** CPU time process `pid`'s main (JS) thread has used so far, ms: user + system from /proc, in 10 ms ticks. */
export function mainThreadCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  // Fields after the parenthesised name; utime and stime are fields 14 and 15 of the whole line, in USER_HZ (100/s) ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Readiness is read from the server's info-level log line, so LOG_LEVEL stays at info. The server runs with
 * `npm start`'s Node.js flags plus `nodeArgs`. `root` runs another checkout's built server (an A/B against an
 * earlier commit, with that checkout's own start flags); it defaults to this one.
 */
export async function startServerProcess(env: Record<string, string> = {}, nodeArgs: string[] = [], root: string = PROJECT_ROOT): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...startScriptNodeFlags(root), ...nodeArgs, path.join(root, 'dist', 'src', 'server.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let seen = 0;
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { port?: number; msg?: string };
      if (typeof entry.port === 'number') seen = entry.port;
      if (entry.msg === 'models loaded and warmed up; ready') resolve(seen);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
  return {
    child,
    port,
    wsUrl: `ws://127.0.0.1:${port}/ws/video/stream`,
    mainThreadCpuMs: () => mainThreadCpuMs(child.pid as number),
    v8HeapMb: async () => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const mb = (series: string): number => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
      return {
        total: mb('framewire_nodejs_heap_size_total_bytes'),
        used: mb('framewire_nodejs_heap_size_used_bytes'),
        external: mb('framewire_nodejs_external_memory_bytes'),
        oldUsed: mb('framewire_nodejs_heap_space_size_used_bytes{space="old"}'),
      };
    },
    rssMb: () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
