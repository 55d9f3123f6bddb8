#!/usr/bin/env bash
# deploy/local-cluster.sh N: N Framewire instances (1-8) on free loopback ports behind HAProxy
# (deploy/haproxy/haproxy.cfg, Debian's haproxy), for trying failover and drain on one machine.
# Prints the front URL; Ctrl-C (or SIGTERM) stops everything: the instances drain, then HAProxy stops.
#
#   FRAMEWIRE_LB_PORT        front port (default: a free one)
#   any Framewire variable   passed to every instance (e.g. FRAMEWIRE_WORKER_SLOTS=1)
#
# Needs the server built (bash scripts/setup.sh server) and haproxy installed (scripts/setup.sh test does).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-2}
if ! [[ $n =~ ^[1-8]$ ]]; then echo "usage: deploy/local-cluster.sh N   (N = 1..8 instances)" >&2; exit 2; fi
command -v haproxy >/dev/null || { echo "haproxy is not installed (apt-get install haproxy, or bash scripts/setup.sh test)" >&2; exit 1; }
[ -f dist/src/server.js ] || { echo "the server is not built: bash scripts/setup.sh server" >&2; exit 1; }

# npm start's command (package.json, the one place its Node.js flags live), run directly so signals reach node.
read -r -a start_cmd <<<"$(node -p 'require("./package.json").scripts.start')"
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

work=$(mktemp -d "${TMPDIR:-/tmp}/framewire-cluster.XXXXXX")
pids=()     # the instances
lb_pid=''
# Children run in their own sessions (setsid), so Ctrl-C reaches this script only and it stops them in order:
# the instances drain first (their clients may still reach another through HAProxy), then HAProxy.
stop_all() {
  trap - EXIT INT TERM
  echo "stopping: instances drain (SIGTERM), then HAProxy" >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$lb_pid" ]; then kill -TERM "$lb_pid" 2>/dev/null || true; wait "$lb_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

for ((i = 1; i <= n; i++)); do
  port=$(free_port)
  PORT=$port HOST=127.0.0.1 FRAMEWIRE_INSTANCE_ID=${FRAMEWIRE_INSTANCE_ID:-local}-$i \
    STREAM_DRAIN_GRACE_MS=${STREAM_DRAIN_GRACE_MS:-3000} setsid "${start_cmd[@]}" >"$work/instance-$i.log" 2>&1 &
  pids+=($!)
  export "FRAMEWIRE_BACKEND_$i=127.0.0.1:$port"
  echo "instance $i: pid $!, http://127.0.0.1:$port, log $work/instance-$i.log" >&2
done

# Ready when each logs that its models are loaded (bounded: 120 s).
for ((i = 1; i <= n; i++)); do
  for ((t = 0; t < 1200; t++)); do
    grep -q 'models loaded and warmed up; ready' "$work/instance-$i.log" && break
    kill -0 "${pids[$((i - 1))]}" 2>/dev/null || { echo "instance $i exited:" >&2; tail -5 "$work/instance-$i.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q 'models loaded and warmed up; ready' "$work/instance-$i.log" || { echo "instance $i not ready after 120 s" >&2; exit 1; }
done

lb_port=${FRAMEWIRE_LB_PORT:-$(free_port)}
FRAMEWIRE_LB_BIND=127.0.0.1:$lb_port FRAMEWIRE_HAPROXY_STATS_SOCKET=$work/haproxy.sock \
  setsid haproxy -db -f deploy/haproxy/haproxy.cfg &
lb_pid=$!

echo "front: http://127.0.0.1:$lb_port   (ws://127.0.0.1:$lb_port/ws/video/stream?pipeline_id=detect)"
echo "HAProxy runtime API: echo 'show stat' | socat stdio $work/haproxy.sock" >&2
echo "Ctrl-C stops everything." >&2
wait
