/**
 * npm run test:cluster: two real Framewire processes behind a real HAProxy (and, briefly, nginx), all on loopback
 * ports, with the failure and drain scenario. Node's built-in runner (node:test), not AVA: the scenario
 * is one ordered story (kill, restart, drain), and it stays out of `npm test`, which must not need
 * load balancers running.
 *
 *   1. nginx (deploy/nginx/framewire.conf): two sessions land on both instances (least_conn) and get results.
 *   2. 8 sessions through HAProxy spread over both instances (told apart by instance_id in session_started).
 *   3. kill -9 instance A: its clients see the close, reconnect through HAProxy and go on on B within 3 s.
 *   4. Restart A; HAProxy takes it back once /readyz answers 200.
 *   5. SIGTERM B (with a drain grace): its /readyz is 503 at once, HAProxy marks it down and routes new sessions
 *      to A only, and only then do B's sessions get `draining`; each is closed 1001 with every frame it sent
 *      answered exactly once, reconnects, lands on A; B exits 0 within its drain time.
 *
 * Every wait is bounded; every process is stopped at the end, also on failure.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';

import { startServerProcess, type ServerProcess } from '../../bench/stream/server-process';
import { vtestFrames } from '../helpers/frames';
import { exitOf, Haproxy, startNginx } from './load-balancers';
import { ReconnectingClient, type SessionRecord } from './reconnecting-client';

const FPS = 5; // per client: 8 clients on one instance stay well under one slot's capacity
const DRAIN_GRACE_MS = 4000; // above HAProxy's inter 1s x fall 2, so it marks B down before B's first close
const SHUTDOWN_TIMEOUT_MS = 15_000;
/** The bound from a killed instance's close to the client's next session on the other. */
const FAILOVER_MS = 3000;

/** Each instance small (1 slot, 1 OpenCV thread): two of them, the load balancers and the clients share 2 cores. */
function instanceEnv(id: string, port: number): Record<string, string> {
  return {
    PORT: String(port),
    FRAMEWIRE_INSTANCE_ID: id,
    FRAMEWIRE_WORKER_SLOTS: '1',
    FRAMEWIRE_OPENCV_THREADS: '1',
    STREAM_DRAIN_GRACE_MS: String(DRAIN_GRACE_MS),
    STREAM_DRAIN_QUIET_MS: '300',
    STREAM_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    LOG_LEVEL: 'info',
  };
}

const workDir = mkdtempSync(path.join(os.tmpdir(), 'framewire-cluster-'));
const frames = vtestFrames(8);
const children = new Set<ChildProcess>();
let a: ServerProcess;
let b: ServerProcess;
let haproxy: Haproxy;
const clients: ReconnectingClient[] = [];

async function instance(id: string, port = 0): Promise<ServerProcess> {
  const server = await startServerProcess(instanceEnv(id, port));
  children.add(server.child);
  return server;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const on = (id: string) => (c: ReconnectingClient): boolean => c.current?.instanceId === id && c.current.closeCode === undefined;

/** Every frame the session sent got exactly one answer. */
function assertExactlyOnce(s: SessionRecord, who: string): void {
  const missing = Array.from({ length: s.sent }, (_v, i) => i).filter((i) => s.answers.get(i) !== 1);
  assert.deepEqual(missing, [], `${who}: frames not answered exactly once (sent ${s.sent}, answers ${JSON.stringify([...s.answers])})`);
  assert.equal(s.answers.size, s.sent, `${who}: no answer for a frame never sent`);
}

before(async () => {
  [a, b] = await Promise.all([instance('fw-a'), instance('fw-b')]);
  haproxy = await Haproxy.start([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`], workDir);
  children.add(haproxy.child);
  await haproxy.waitForStatus('fw1', 'UP', 10_000);
  await haproxy.waitForStatus('fw2', 'UP', 10_000);
});

after(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([...children].map((child) => exitOf(child, 5000)));
  rmSync(workDir, { recursive: true, force: true });
});

test('nginx: least_conn spreads two sessions over both instances, and each gets its results', async () => {
  const nginx = await startNginx(path.join(workDir, 'nginx'), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
  children.add(nginx.child);
  const viaNginx = [0, 1].map(() => new ReconnectingClient(`ws://127.0.0.1:${nginx.port}/ws/video/stream?pipeline_id=detect_fast`, frames, FPS));
  try {
    for (const c of viaNginx) {
      c.start();
      await c.waitFor((x) => x.current !== undefined, 10_000, 'a session through nginx');
    }
    await Promise.all(viaNginx.map((c) => c.waitFor((x) => (x.current?.kinds.result ?? 0) >= 2, 10_000, 'two results through nginx')));
    assert.deepEqual(viaNginx.map((c) => c.current!.instanceId).sort(), ['fw-a', 'fw-b']);
  } finally {
    await Promise.all(viaNginx.map((c) => c.stop()));
    await nginx.stop();
  }
});

test('HAProxy: 8 sessions over both; kill -9 one instance, its clients go on on the other within 3 s', async () => {
  for (let i = 0; i < 8; i += 1) {
    const c = new ReconnectingClient(haproxy.url, frames, FPS);
    clients.push(c);
    c.start();
    await c.waitFor((x) => x.current !== undefined, 10_000, `client ${i}'s first session`);
  }
  const onA = clients.filter(on('fw-a'));
  const onB = clients.filter(on('fw-b'));
  console.log(`sessions: ${onA.length} on fw-a, ${onB.length} on fw-b`);
  assert.ok(onA.length >= 2 && onB.length >= 2, `leastconn spreads the sessions: ${onA.length} on A, ${onB.length} on B`);
  await Promise.all(clients.map((c) => c.waitFor((x) => (x.current?.kinds.result ?? 0) >= 3, 10_000, 'three results')));

  a.child.kill('SIGKILL');
  assert.equal(await exitOf(a.child, 5000), 'SIGKILL');
  await Promise.all(onA.map((c) => c.waitFor((x) => x.sessions.length >= 2 && on('fw-b')(x), FAILOVER_MS + 2000, 'a session on fw-b after the kill')));
  for (const c of onA) {
    const [killed, next] = c.sessions.slice(-2);
    assert.equal(killed.instanceId, 'fw-a');
    assert.equal(killed.closeCode, 1006, 'a killed instance sends no close frame: the client sees 1006');
    const gap = next.startedAt - killed.closedAt!;
    console.log(`failover: close seen -> session_started on fw-b after ${gap.toFixed(0)} ms`);
    assert.ok(gap <= FAILOVER_MS, `reconnected within ${FAILOVER_MS} ms (took ${gap.toFixed(0)} ms)`);
    for (const [index, count] of killed.answers) assert.equal(count, 1, `frame ${index} of the killed session answered once`);
  }
  for (const c of onB) assert.equal(c.sessions.length, 1, 'sessions on the surviving instance go on undisturbed');
  await Promise.all(onA.map((c) => c.waitFor((x) => (x.current?.kinds.result ?? 0) >= 3, 10_000, 'results on fw-b')));
});

test('HAProxy: restart A; SIGTERM B drains: 503 first, then draining, exact accounting, 1001, all land on A', async () => {
  const bCode = exitOf(b.child, 60_000);
  a = await instance('fw-a', a.port);
  await haproxy.waitForStatus('fw1', 'UP', 10_000);
  assert.equal(clients.filter(on('fw-b')).length, 8, 'every session is on B before it drains');

  const sigtermAt = performance.now();
  b.child.kill('SIGTERM');
  // /readyz turns 503 at once.
  let readyz = 0;
  for (let i = 0; i < 50 && readyz !== 503; i += 1) {
    readyz = (await fetch(`http://127.0.0.1:${b.port}/readyz`)).status;
    if (readyz !== 503) await sleep(20);
  }
  assert.equal(readyz, 503, "B's /readyz answers 503 once SIGTERM arrived");
  // HAProxy stops routing to it: marked down, and new sessions all go to A.
  await haproxy.waitForStatus('fw2', 'DOWN', DRAIN_GRACE_MS);
  const markedDownAt = performance.now();
  assert.ok(clients.every((c) => c.current!.drainingAt === undefined), 'HAProxy marked B down before B drained any session');
  const probes = [0, 1, 2].map(() => new ReconnectingClient(haproxy.url, frames, FPS));
  try {
    probes.forEach((p) => p.start());
    await Promise.all(probes.map((p) => p.waitFor((x) => x.current !== undefined, 5000, 'a new session while B drains')));
    assert.deepEqual(probes.map((p) => p.current!.instanceId), ['fw-a', 'fw-a', 'fw-a'], 'new sessions avoid the instance whose /readyz is 503');
  } finally {
    await Promise.all(probes.map((p) => p.stop()));
  }

  // B's sessions: draining, then 1001, then a new session on A.
  await Promise.all(clients.map((c) => c.waitFor((x) => x.sessions.length >= 2 && on('fw-a')(x), SHUTDOWN_TIMEOUT_MS, 'a session on fw-a after the drain')));
  for (const [i, c] of clients.entries()) {
    const drained = c.sessions[c.sessions.length - 2];
    assert.equal(drained.instanceId, 'fw-b');
    assert.ok(drained.drainingAt !== undefined && drained.drainingAt >= markedDownAt, `client ${i}: draining arrived after HAProxy stopped routing to B`);
    assert.equal(drained.closeCode, 1001);
    assert.equal(drained.sentAfterDraining, 0);
    assertExactlyOnce(drained, `client ${i}'s drained session`);
  }
  const drainedSessions = clients.map((c) => c.sessions[c.sessions.length - 2]);
  const total = (f: (s: SessionRecord) => number): number => drainedSessions.reduce((n, s) => n + f(s), 0);
  console.log(
    `drained on B: ${total((s) => s.sent)} frames sent, ${total((s) => s.answers.size)} answered once ` +
      `(${total((s) => s.kinds.result)} results, ${total((s) => s.kinds.dropped.shutdown ?? 0)} dropped/shutdown, ` +
      `${total((s) => (s.kinds.dropped.superseded ?? 0) + (s.kinds.dropped.stale ?? 0))} dropped superseded/stale, ${total((s) => s.kinds.error)} errors); ` +
      `draining -> close ${Math.min(...drainedSessions.map((s) => s.closedAt! - s.drainingAt!)).toFixed(0)}-${Math.max(...drainedSessions.map((s) => s.closedAt! - s.drainingAt!)).toFixed(0)} ms; ` +
      `close -> next session on A ${Math.max(...clients.map((c) => c.current!.startedAt - c.sessions[c.sessions.length - 2].closedAt!)).toFixed(0)} ms at most`,
  );
  const code = await bCode;
  console.log(`B exited ${code} ${((performance.now() - sigtermAt) / 1000).toFixed(1)} s after SIGTERM`);
  assert.equal(code, 0, 'B exits 0');
  assert.ok(performance.now() - sigtermAt < SHUTDOWN_TIMEOUT_MS, 'within its drain time');
  await Promise.all(clients.map((c) => c.waitFor((x) => (x.current?.kinds.result ?? 0) >= 3, 10_000, 'results on fw-a')));
  for (const c of clients) assert.ok(!c.gaveUp);

  // A clean end: the clients leave, A drains with nothing to drain and exits 0.
  await Promise.all(clients.map((c) => c.stop()));
  const aCode = exitOf(a.child, SHUTDOWN_TIMEOUT_MS + 5000);
  a.child.kill('SIGTERM');
  assert.equal(await aCode, 0);
  await haproxy.stop();
});
