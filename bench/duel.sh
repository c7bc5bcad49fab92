#!/usr/bin/env bash
# Two checkouts' stacks side by side on the benchmark database, loaded at the same time:
#   bash bench/duel.sh <checkout A> <checkout B> <rounds> [bench/load.ts arguments...]
#   e.g. bash bench/duel.sh /tmp/before . 3 --scenario "100k user: q (relevance)"
# Each stack gets half the connections (--connections, default 100). Sharing the machine's
# two cores in the same seconds, the cheaper code answers more: on a box whose speed moves
# from one minute to the next, a ratio from one duel is steadier than runs one after the other.
# Each round prints each scenario's req/s, p50, p95 and p99 for A and B; at the end, B's total
# requests over A's. Both stacks share the database: compare code that reads the same schema.
set -euo pipefail
a=$(cd "$1" && pwd); b=$(cd "$2" && pwd); rounds=$3; shift 3
cd "$(dirname "$0")/.."
connections=100; duration=10; args=()
while [ $# -gt 0 ]; do
  case $1 in
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
# Stopped and gone before the next duel takes their ports.
stop() {
  for tag in -duel-a -duel-b; do
    [ -f "/tmp/todogenie-bench$tag.pids" ] || continue
    for pid in $(cat "/tmp/todogenie-bench$tag.pids"); do
      kill "$pid" 2>/dev/null || continue
      while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    done
  done
}
trap stop EXIT
STACK_DIR=$a BENCH_TAG=-duel-a PORT=3100 HEALTH_BASE=39121 bash bench/stack.sh > /dev/null
STACK_DIR=$b BENCH_TAG=-duel-b PORT=3110 HEALTH_BASE=39131 bash bench/stack.sh > /dev/null
load() { # seconds
  for side in a:3100 b:3110; do
    BASE_URL="http://127.0.0.1:${side#*:}" npx tsx bench/load.ts --duration "$1" --connections $((connections / 2)) "${args[@]}" > "/tmp/todogenie-duel-${side%%:*}.out" 2>/dev/null &
  done
  wait
}
rows() { grep '^| [ls]' "/tmp/todogenie-duel-$1.out" | grep -v '^| scenario'; }
load 4  # warm both: JIT, pools, the database's cache
total_a=0; total_b=0
for round in $(seq 1 "$rounds"); do
  load "$duration"
  for side in a b; do
    rows $side | awk -F'|' -v side=$side -v round=$round '{ printf "round %s %s %-66s %6s req/s  p50 %7s  p95 %7s  p99 %7s\n", round, side, $2, $4, $5, $6, $7 }'
  done
  total_a=$((total_a + $(rows a | awk -F'|' '{ s += $3 } END { print s + 0 }')))
  total_b=$((total_b + $(rows b | awk -F'|' '{ s += $3 } END { print s + 0 }')))
done
echo "requests: A $total_a, B $total_b, B/A $(awk -v a=$total_a -v b=$total_b 'BEGIN { printf "%.3f", a ? b / a : 0 }')"
