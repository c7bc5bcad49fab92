#!/usr/bin/env bash
# Starts the distributed stack on the benchmark database (bench/seed.ts): tasks, then
# search+scheduler+notify, then the gateway on :3000, each its own process over local NATS.
# Stop with: kill $(cat /tmp/todogenie-bench.pids)
set -euo pipefail
# STACK_DIR runs another checkout's code the same way (a before/after comparison).
# BENCH_TAG and PORT run a second stack beside the first (bench/duel.sh): its own pid file
# (/tmp/todogenie-bench<tag>.pids), logs, gateway port, notify port (PORT + 2) and health ports.
tag="${BENCH_TAG:-}"
port="${PORT:-3000}"
cd "${STACK_DIR:-$(dirname "$0")/..}"
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/todogenie_bench}"
export NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}" NAMESPACE="${NAMESPACE:-bench$tag}" LOG_LEVEL="${LOG_LEVEL:-warn}"
export JWT_SECRET="${JWT_SECRET:-bench-secret-that-is-long-enough-for-hs256-0123456789}"
export BUS_SECRET="${BUS_SECRET:-bench-bus-secret-that-is-long-enough-0123456789}"
export NOTIFY_PORT="${NOTIFY_PORT:-$((port + 2))}"
pids="/tmp/todogenie-bench$tag.pids"
: > "$pids"
health="${HEALTH_BASE:-39101}"  # health ports out of the way of test stacks on this machine
# The image's node flags (package.json's start:prod without its entry point), then any NODE_EXTRA.
node_flags=$(node -p 'require("./package.json").scripts["start:prod"].split(" ").slice(1, -1).join(" ")')
for services in tasks search,scheduler,notify gateway; do
  log="/tmp/todogenie-bench$tag-${services%%,*}.log"
  SERVICES=$services PORT=$port HEALTH_PORT=$health node $node_flags ${NODE_EXTRA:-} --import tsx src/main.ts > "$log" 2>&1 &
  echo $! >> "$pids"
  health=$((health + 1))
  for _ in $(seq 1 100); do kill -0 $! 2>/dev/null || break; grep -q "Todogenie ready" "$log" && break; sleep 0.2; done
done
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null && break; sleep 0.2; done
if ! curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null; then
  echo "stack not ready after 30 s; see /tmp/todogenie-bench$tag-*.log" >&2
  kill $(cat "$pids") 2>/dev/null || true
  exit 1
fi
echo "stack ready: $(cat "$pids" | tr '\n' ' ')"
