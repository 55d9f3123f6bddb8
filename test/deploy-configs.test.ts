/**
 * deploy/: every shipped configuration passes its own tool's checker (haproxy -c, nginx -t, systemd-analyze
 * verify), and the Kubernetes and Prometheus files parse and name only what the server really has: probe paths
 * that answer 200 on a real server started with the Deployment's environment, its port, the environment
 * variables src/config.ts reads, and metric names the server exports. (The load balancers run for real in
 * `npm run test:cluster`.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import test from 'ava';
import { parseAllDocuments } from 'yaml';

import { startScriptNodeFlags } from '../bench/stream/server-process';
import { loadConfig, PROJECT_ROOT } from '../src/config';
import { Haproxy, NGINX_CONF } from './cluster/load-balancers';
import { runningServer } from './helpers/service';

const DEPLOY = path.join(PROJECT_ROOT, 'deploy');
const read = (...parts: string[]): string => readFileSync(path.join(DEPLOY, ...parts), 'utf8');

/** Every environment variable name loadConfig reads, recorded by handing it an environment that logs lookups. */
function configVariables(): Set<string> {
  const seen = new Set<string>();
  loadConfig(new Proxy({}, { get: (_t, name) => (typeof name === 'string' && seen.add(name), undefined) }), 2);
  return seen;
}

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every YAML document in deploy/DIR, parsed strictly (a YAML error or warning fails). */
function yamlDocs(dir: string): Doc[] {
  const docs: Doc[] = [];
  for (const file of readdirSync(path.join(DEPLOY, dir)).filter((f) => /\.ya?ml$/.test(f))) {
    for (const doc of parseAllDocuments(read(dir, file))) {
      if (doc.errors.length || doc.warnings.length) throw new Error(`${dir}/${file}: ${[...doc.errors, ...doc.warnings].map((e) => e.message).join('; ')}`);
      docs.push(Object.assign(doc.toJS() as Doc, { __file: file }));
    }
  }
  return docs;
}

const DEFAULT_HEARTBEAT_S = loadConfig({}, 2).stream.heartbeatMs / 1000;
const seconds = (value: string): number => Number(/^(\d+)(ms|s|m)?$/.exec(value)?.[1]) * ({ ms: 0.001, s: 1, m: 60 }[/^\d+(ms|s|m)?$/.exec(value)?.[1] ?? 's'] ?? 1);

test('haproxy -c passes with 1 and 8 backends from the environment, and fails without any', (t) => {
  const backends = (n: number): Record<string, string> =>
    Object.fromEntries([['FRAMEWIRE_LB_BIND', '127.0.0.1:18080'], ...Array.from({ length: n }, (_v, i) => [`FRAMEWIRE_BACKEND_${i + 1}`, `127.0.0.1:${18081 + i}`])]);
  for (const n of [1, 8]) {
    const check = Haproxy.check(backends(n));
    t.true(check.ok, check.output);
  }
  const none = Haproxy.check({ FRAMEWIRE_LB_BIND: '127.0.0.1:18080' });
  t.false(none.ok, 'the checker does fail: no backend address');
  const cfg = read('haproxy', 'haproxy.cfg');
  t.regex(cfg, /^\s*balance leastconn$/m);
  t.regex(cfg, /^\s*option httpchk GET \/readyz$/m);
  t.regex(cfg, /^\s*default-server inter \d+s fall \d+ rise \d+ check$/m);
  const tunnel = /^\s*timeout tunnel (\S+)$/m.exec(cfg);
  t.truthy(tunnel);
  t.true(seconds(tunnel![1]) > DEFAULT_HEARTBEAT_S * 2, 'a live WebSocket (pinged every heartbeat) never hits the tunnel timeout');
});

/** `nginx -t` on a site file inside a minimal nginx.conf of a temporary prefix. */
function nginxTest(site: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'framewire-nginx-t-'));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/${k};`).join('\n');
  writeFileSync(path.join(dir, 'nginx.conf'), `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  access_log off;\n${temp}\n  include ${site};\n}\n`);
  return spawnSync('nginx', ['-t', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
}

/** The shipped file with its commented REST-port blocks (upstream framewire_rest, location /v1/) switched on. */
function withRestPortBlocks(conf: string): string {
  let inBlock = false;
  return conf
    .split('\n')
    .map((line) => {
      if (/^\s*# (upstream framewire_rest|location \/v1\/) \{$/.test(line)) inBlock = true;
      if (!inBlock) return line;
      if (/^\s*# \}$/.test(line)) inBlock = false;
      return line.replace('# ', '');
    })
    .join('\n');
}

test('nginx -t passes with the REST-port blocks uncommented, and they route /v1/ to framewire_rest', (t) => {
  const conf = withRestPortBlocks(read('nginx', 'framewire.conf'));
  t.regex(conf, /^upstream framewire_rest \{$/m);
  t.regex(conf, /^\s*location \/v1\/ \{\n\s*proxy_pass http:\/\/framewire_rest;$/m);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'framewire-nginx-rest-')), 'framewire.conf');
  writeFileSync(file, conf);
  const run = nginxTest(file);
  t.is(run.status, 0, run.stderr);
});

test('haproxy -c passes with REST backends, which get /v1/', (t) => {
  const check = Haproxy.check({ FRAMEWIRE_LB_BIND: '127.0.0.1:18080', FRAMEWIRE_BACKEND_1: '127.0.0.1:18081', FRAMEWIRE_REST_BACKEND_1: '127.0.0.1:18091', FRAMEWIRE_REST_BACKEND_8: '127.0.0.1:18098' });
  t.true(check.ok, check.output);
  t.regex(read('haproxy', 'haproxy.cfg'), /^\s*use_backend framewire_rest if \{ path_beg \/v1\/ \}$/m);
});

test('nginx -t passes on deploy/nginx/framewire.conf as shipped', (t) => {
  const run = nginxTest(NGINX_CONF);
  t.is(run.status, 0, run.stderr);
  t.regex(run.stderr, /test is successful/);
  const conf = read('nginx', 'framewire.conf');
  t.regex(conf, /^\s*least_conn;$/m);
  t.regex(conf, /proxy_set_header Upgrade \$http_upgrade;/);
  t.regex(conf, /proxy_set_header Connection \$framewire_connection;/);
  const readTimeout = /location \/ws\/ \{[^}]*proxy_read_timeout (\S+);/s.exec(conf);
  t.truthy(readTimeout);
  t.true(seconds(readTimeout![1]) > DEFAULT_HEARTBEAT_S, 'proxy_read_timeout above the heartbeat interval');
});

test('systemd-analyze verify passes on framewire.service without a single warning (and does warn on a bad copy)', (t) => {
  const unit = path.join(DEPLOY, 'systemd', 'framewire.service');
  const verify = (file: string): { status: number | null; output: string } => {
    const run = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
  };
  t.deepEqual(verify(unit), { status: 0, output: '' });
  // systemd-analyze exits 0 on an unknown key: the test reads its output, and here shows that it would see one.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'framewire-unit-'));
  writeFileSync(path.join(dir, 'framewire.service'), read('systemd', 'framewire.service').replace('NoNewPrivileges=yes', 'NoNewPrivilegs=yes'));
  t.regex(verify(path.join(dir, 'framewire.service')).output, /Unknown key 'NoNewPrivilegs'/);

  const text = read('systemd', 'framewire.service');
  const value = (key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];
  t.is(value('User'), 'framewire');
  t.is(value('Restart'), 'on-failure');
  t.is(value('EnvironmentFile'), '/etc/framewire/env');
  for (const [key, expected] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['PrivateTmp', 'yes']]) t.is(value(key), expected);
  t.regex(value('MemoryMax') ?? '', /^\d+[KMG]$/);
  t.deepEqual(value('ExecStart')?.split(' ').slice(1, -1), startScriptNodeFlags(), "npm start's Node.js flags");
  t.true(value('ExecStart')!.endsWith(' dist/src/server.js'));
  // The drain must fit: systemd kills at TimeoutStopSec, the server exits within STREAM_SHUTDOWN_TIMEOUT_MS.
  const env = Object.fromEntries(read('systemd', 'env.example').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=', 2) as [string, string]));
  const config = loadConfig(env, 2);
  t.true(Number(value('TimeoutStopSec')) > config.stream.shutdownTimeoutMs / 1000, 'TimeoutStopSec above the drain time');
  for (const name of Object.keys(env)) t.true(configVariables().has(name), `env.example's ${name} is a variable the server reads`);
});

test("the Dockerfile's only build step is the tested setup script, and it starts the server with npm start's flags", (t) => {
  const steps = read('docker', 'Dockerfile').split('\n').filter((l) => /^[A-Z]+ /.test(l));
  t.deepEqual(steps.filter((l) => l.startsWith('RUN ')), ['RUN bash scripts/setup.sh server']);
  const cmd = JSON.parse(steps.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
  t.deepEqual(cmd, ['node', ...startScriptNodeFlags(), 'dist/src/server.js']);
});

test('Kubernetes manifests parse and name the real probe paths, port and variables; the drain fits the grace period', async (t) => {
  const docs = yamlDocs('k8s');
  const kinds = docs.map((d) => d.kind).sort();
  t.deepEqual(kinds, ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
  const byKind = (kind: string): Doc => docs.find((d) => d.kind === kind)!;
  const deployment = byKind('Deployment');
  const pod = deployment.spec.template;
  const [container] = pod.spec.containers;
  const env: Record<string, string> = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value ?? (e.valueFrom?.fieldRef ? 'pod-name-from-k8s' : undefined)]));
  const known = configVariables();
  for (const name of Object.keys(env)) t.true(known.has(name), `${name} is a variable src/config.ts reads`);
  const config = loadConfig(env, 2); // the Deployment's settings pass the server's own validation

  // Port: the container's named port is PORT, and everything else refers to it by name.
  const http = container.ports.find((p: Doc) => p.name === 'http');
  t.is(http.containerPort, config.port);
  t.is(pod.metadata.annotations['prometheus.io/port'], String(config.port));
  const probes = { readinessProbe: '/readyz', livenessProbe: '/healthz', startupProbe: '/healthz' } as const;
  for (const [probe, expected] of Object.entries(probes)) {
    t.is(container[probe].httpGet.path, expected, probe);
    t.is(container[probe].httpGet.port, 'http', probe);
  }
  // The REST port: its named container port is FRAMEWIRE_REST_PORT, and the Service exposes it by name.
  t.is(container.ports.find((p: Doc) => p.name === 'rest')?.containerPort, config.restPort);
  const service = byKind('Service');
  t.is(service.spec.ports[0].targetPort, 'http');
  t.truthy(service.spec.ports.find((p: Doc) => p.targetPort === 'rest'), 'the Service exposes the REST port');
  for (const selector of [service.spec.selector, deployment.spec.selector.matchLabels, byKind('PodDisruptionBudget').spec.selector.matchLabels]) {
    for (const [k, v] of Object.entries(selector)) t.is(pod.metadata.labels[k], v, `selector ${k}=${v} matches the pods`);
  }
  t.like(byKind('HorizontalPodAutoscaler').spec.scaleTargetRef, { kind: 'Deployment', name: deployment.metadata.name });

  // The drain fits: preStop, then the server's drain time, inside terminationGracePeriodSeconds.
  const [sleepCmd, preStopSeconds] = container.lifecycle.preStop.exec.command;
  t.is(sleepCmd, 'sleep');
  t.true(pod.spec.terminationGracePeriodSeconds >= Number(preStopSeconds) + config.stream.shutdownTimeoutMs / 1000 + 1);
  // CPU sized as docs/scaling.md says: requests = limits, one worker slot and one OpenCV thread per CPU.
  t.deepEqual(container.resources.requests, container.resources.limits);
  t.is(Number(container.resources.limits.cpu), config.workerSlots);
  t.is(config.openCvThreads, config.workerSlots);

  // The probe paths answer 200 on a real server started with the Deployment's environment (on a free port).
  const server = await runningServer({ ...env, PORT: '0', FRAMEWIRE_REST_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' });
  t.teardown(() => server.close());
  for (const path of new Set(Object.values(probes))) t.is((await fetch(`${server.url}${path}`)).status, 200, path);
  t.is((await fetch(`http://127.0.0.1:${server.restPort!}/v1/pipelines`)).status, 200, 'the REST port answers');
});

test('Prometheus: the scrape config and the three alert rules parse and use only metrics the server exports', async (t) => {
  const docs = yamlDocs('prometheus');
  const scrape = docs.find((d) => d.scrape_configs);
  t.truthy(scrape);
  for (const job of scrape!.scrape_configs) t.is(job.metrics_path ?? '/metrics', '/metrics');
  const rules = docs.find((d) => d.groups)!.groups.flatMap((g: Doc) => g.rules);
  t.deepEqual(rules.map((r: Doc) => r.alert), ['FramewireFramesDropped', 'FramewireLatencyP99High', 'FramewireInstanceNotReady']);

  const server = await runningServer();
  t.teardown(() => server.close());
  const exported = new Set([...(await (await fetch(`${server.url}/metrics`)).text()).matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]));
  for (const rule of rules) {
    const names = [...(rule.expr as string).matchAll(/\b(framewire_[a-z_]+)/g)].map((m) => m[1].replace(/_bucket$/, ''));
    t.true(names.length > 0, rule.alert);
    for (const name of names) t.true(exported.has(name), `${rule.alert}: ${name} is exported by /metrics`);
  }
});
