/**
 * Real load balancers for the cluster test, on loopback ports: Debian's haproxy with deploy/haproxy/haproxy.cfg
 * as is (its backends come from the environment), and nginx with deploy/nginx/framewire.conf, of which only the
 * listen line and the upstream's server lines are rewritten to the test's ports.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { PROJECT_ROOT } from '../../src/config';

export const HAPROXY_CFG = path.join(PROJECT_ROOT, 'deploy', 'haproxy', 'haproxy.cfg');
export const NGINX_CONF = path.join(PROJECT_ROOT, 'deploy', 'nginx', 'framewire.conf');

/** A loopback port nobody listens on now (the kernel's pick; free again when this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when `child` exits (with its code, or the signal's name), or undefined after `timeoutMs`. */
export function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | string | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode ?? undefined);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? undefined);
    });
  });
}

export interface HaproxyServerState {
  readonly name: string;
  /** UP, DOWN, "UP 1/2", "DOWN 1/2", MAINT... as HAProxy reports it. */
  readonly status: string;
  /** Sessions open to it now. */
  readonly current: number;
  /** Sessions it has had since HAProxy started. */
  readonly total: number;
}

export class Haproxy {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly statsSocket: string,
  ) {}

  /** `haproxy -c` on the shipped file with these backends: the checker's verdict and output. */
  static check(env: Record<string, string>): { ok: boolean; output: string } {
    const run = spawnSync('haproxy', ['-c', '-f', HAPROXY_CFG], { env: { ...process.env, ...env }, encoding: 'utf8' });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  }

  /**
   * Starts haproxy in the foreground on a free loopback port in front of `backends` (address:port), with the
   * shipped file or `config` (a variant of it, same environment names; bench:rest-burst compares them).
   * `restBackends` (the instances' FRAMEWIRE_REST_PORT addresses) routes /v1/ to them.
   */
  static async start(backends: readonly string[], workDir: string, config: string = HAPROXY_CFG, restBackends: readonly string[] = []): Promise<Haproxy> {
    const port = await freePort();
    const statsSocket = path.join(workDir, 'haproxy.sock');
    const env: Record<string, string> = { FRAMEWIRE_LB_BIND: `127.0.0.1:${port}`, FRAMEWIRE_HAPROXY_STATS_SOCKET: statsSocket };
    backends.forEach((b, i) => (env[`FRAMEWIRE_BACKEND_${i + 1}`] = b));
    restBackends.forEach((b, i) => (env[`FRAMEWIRE_REST_BACKEND_${i + 1}`] = b));
    const child = spawn('haproxy', ['-db', '-f', config], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[haproxy] ${chunk.toString()}`));
    const haproxy = new Haproxy(child, port, statsSocket);
    // Up once its runtime API answers: the socket is created after the configuration is loaded.
    for (let i = 0; i < 100; i += 1) {
      if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
      try {
        await haproxy.servers();
        return haproxy;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    child.kill('SIGKILL');
    throw new Error('haproxy did not start within 5 s');
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws/video/stream?pipeline_id=detect_fast`;
  }

  /** The servers of a backend (`framewire`, or `framewire_rest` for the REST ports) as `show stat` reports them. */
  async servers(backend = 'framewire'): Promise<HaproxyServerState[]> {
    const csv = await new Promise<string>((resolve, reject) => {
      const socket = net.createConnection(this.statsSocket);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write('show stat\n');
    });
    const lines = csv.trim().split('\n');
    const header = lines[0].replace(/^# /, '').split(',');
    const col = (name: string): number => header.indexOf(name);
    return lines
      .slice(1)
      .map((line) => line.split(','))
      .filter((f) => f[col('pxname')] === backend && /^(fw|rest)\d$/.test(f[col('svname')]))
      .map((f) => ({ name: f[col('svname')], status: f[col('status')], current: Number(f[col('scur')]), total: Number(f[col('stot')]) }));
  }

  /** Waits until server `name` (of `backend`) reports `status` exactly (UP or DOWN), polling every 100 ms. */
  async waitForStatus(name: string, status: 'UP' | 'DOWN', timeoutMs: number, backend = 'framewire'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = (await this.servers(backend)).find((s) => s.name === name)?.status ?? 'missing';
      if (last === status) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`haproxy server ${name} still "${last}" after ${timeoutMs} ms, expected ${status}`);
  }

  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    if ((await exitOf(this.child, 5000)) === undefined) this.child.kill('SIGKILL');
  }
}

/**
 * deploy/nginx/framewire.conf with its listen line and upstream servers pointed at the test's ports, inside a
 * minimal main configuration whose every path is under `workDir` (no root, no /var).
 */
export function nginxConfig(workDir: string, port: number, backends: readonly string[]): string {
  const shipped = readFileSync(NGINX_CONF, 'utf8');
  const servers: string[] = shipped.match(/^\s*server 127\.0\.0\.1:\d+ .*;$/gm) ?? [];
  const first = servers[0];
  if (first === undefined || !/^\s*listen 80;$/m.test(shipped)) throw new Error('deploy/nginx/framewire.conf no longer has the lines this test rewrites');
  const options = first.trim().replace(/^server \S+ /, '');
  let conf = shipped.replace(/^\s*listen 80;$/m, `    listen 127.0.0.1:${port};`);
  conf = conf.replace(servers.join('\n'), backends.map((b) => `    server ${b} ${options}`).join('\n'));
  for (const dir of ['logs', 'tmp']) mkdirSync(path.join(workDir, dir), { recursive: true });
  writeFileSync(path.join(workDir, 'framewire.conf'), conf);
  const t = path.join(workDir, 'tmp');
  writeFileSync(
    path.join(workDir, 'nginx.conf'),
    `pid ${workDir}/nginx.pid;\nerror_log ${workDir}/logs/error.log;\ndaemon off;\nmaster_process off;\nevents {}\nhttp {\n  access_log off;\n` +
      `  client_body_temp_path ${t}/body;\n  proxy_temp_path ${t}/proxy;\n  fastcgi_temp_path ${t}/fastcgi;\n  uwsgi_temp_path ${t}/uwsgi;\n  scgi_temp_path ${t}/scgi;\n` +
      `  include ${workDir}/framewire.conf;\n}\n`,
  );
  return path.join(workDir, 'nginx.conf');
}

/** Runs nginx in the foreground on `port` until stopped. */
export async function startNginx(workDir: string, backends: readonly string[]): Promise<{ port: number; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const conf = nginxConfig(workDir, port, backends);
  const child = spawn('nginx', ['-p', workDir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i += 1) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${readFileSync(path.join(workDir, 'logs', 'error.log'), 'utf8')}`);
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.createConnection(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (listening) break;
    if (i > 100) throw new Error('nginx did not listen within 5 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    child,
    stop: async () => {
      child.kill('SIGQUIT');
      if ((await exitOf(child, 5000)) === undefined) child.kill('SIGKILL');
    },
  };
}
