#!/usr/bin/env bash
# Benchmark of cluster mode (issue 15): per-request server CPU (user + system, from
# /proc/<pid>/stat, divided by every response of the run) of an authenticated read and of a
# call-control input, on one node and in a two-node cluster, beside the axum hello-world of
# sentral-bench; and command→event latency across nodes.
#
#   1. the hello-world (`sentral-bench hello`), GET /hello;
#   2. one node on PostgreSQL (`sentral --database-url … serve --demo`, no NATS): the read
#      GET /queue/queues with a password-grant Bearer token of the demo system user, and the
#      sandbox signal PUT /sandbox/v1/devices/4791000011/power, alternately {"on":false} and
#      {"on":true} (each journalled in PostgreSQL, each a StatusChanged);
#   3. two nodes A and B on one schema and the local NATS (`--nats-url`, a `--cluster-name` of
#      this run's own, `--node-id a|b`): the same read on B (A's CPU over the same interval is
#      reported apart), then — A owning the demo enterprise's engine (it was touched on A first) —
#      the same power toggles on B, each forwarded to A over NATS: B's CPU and A's per request;
#   4. command→event latency (scripts/cluster_latency.py): an enterprise monitor streamed on A,
#      one toggle at a time sent on B, from the request on B to the StatusChanged read from A's
#      stream, p50/p99 over --count toggles; the same with stream and commands on the single node.
# The reads run --rounds times (3), alternately on the single node and on B, so that a drift of the machine
# shows as a difference between the rounds. Each load run is closed loop, 1 s warm-up + SECS.
#
# Usage: CARGO_TARGET_DIR=/work/bench-target scripts/bench-cluster.sh [--duration SECS]
#          [--connections N] [--count N] [--rounds N] [--database-url URL] [--nats-url URL] [--out FILE]
# Defaults: 8 s, 16 connections (8 for the toggles), 500 toggles,
# postgres://postgres@127.0.0.1:5432/test (two schemas of this run's own, dropped at the end),
# nats://127.0.0.1:4222. Progress on stderr, the Markdown table on stdout (and in FILE).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=8; connections=16; count=500; rounds=3; out=""
database_url="postgres://postgres@127.0.0.1:5432/test"; nats_url="nats://127.0.0.1:4222"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --database-url) database_url="$2"; shift 2 ;;
    --nats-url) nats_url="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument $1; use --duration SECS, --connections N, --count N, --rounds N, --database-url URL, --nats-url URL, --out FILE" >&2; exit 2 ;;
  esac
done
toggle_connections=$(( connections / 2 > 0 ? connections / 2 : 1 ))

target_dir="${CARGO_TARGET_DIR:-target}"
echo "building release binaries into $target_dir" >&2
cargo build --release -p sentral -p sentral-bench >&2
sentral="$target_dir/release/sentral"
bench="$target_dir/release/sentral-bench"

work="$(mktemp -d)"; pids=(); schemas=()
tag="bench_cluster_$$_$(date +%s)"
cluster_name="bench-cluster-$$"
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for schema in "${schemas[@]}"; do
    psql -qX "$database_url" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 \
      && echo "dropped schema $schema" >&2
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A fresh schema; prints the URL whose search_path is that schema.
make_schema() {
  psql -qX "$database_url" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public" >/dev/null 2>&1 || true
  psql -qX "$database_url" -c "CREATE SCHEMA $1" >/dev/null
  local separator='?'; case "$database_url" in *\?*) separator='&' ;; esac
  echo "${database_url}${separator}options=-c%20search_path%3D$1"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() {
  for _ in $(seq 1 300); do curl -sf "$1/readyz" > /dev/null && return 0; sleep 0.1; done
  echo "$1 did not become ready; its log:" >&2; cat "$2" >&2; exit 1
}
# start_node NAME SCHEMA_URL [serve options…]: sets node_pid and node_base.
start_node() {
  local name="$1" url="$2"; shift 2
  local port; port=$(free_port)
  mkdir -p "$work/$name"
  SENTRAL_LOG=info NO_COLOR=1 "$sentral" --data-dir "$work/$name" --database-url "$url" \
    serve --demo --listen "127.0.0.1:$port" --quota-per-minute 0 --spike-arrest-per-second 0 "$@" \
    > "$work/$name.log" 2>&1 &
  node_pid=$!; pids+=("$node_pid"); node_base="http://127.0.0.1:$port"
  wait_ready "$node_base" "$work/$name.log"
  echo "node $name: pid $node_pid at $node_base" >&2
}
token() {
  local answer
  answer=$(curl -s -u demo-client:demo-secret -d grant_type=password -d username=api0000000001 \
    -d password=demo-password "$1/oauth/v2/token")
  python3 -c 'import sys,json; print(json.loads(sys.argv[1])["access_token"])' "$answer" 2>/dev/null \
    || { echo "token request on $1 failed: $answer" >&2; exit 1; }
}
# check METHOD URL BODY [curl args…]: one request, its body printed and the script stopped unless 2xx.
check() {
  local method="$1" url="$2" body="$3"; shift 3
  local answer status
  answer=$(curl -s -w '\n%{http_code}' -X "$method" -H 'Content-Type: application/json' "$@" \
    ${body:+-d "$body"} "$url")
  status="${answer##*$'\n'}"
  if [ "${status:0:1}" != 2 ]; then
    echo "$method $url answered $status: ${answer%$'\n'*}" >&2; exit 1
  fi
  echo "$method $url: $status ${answer%$'\n'*}" | cut -c1-200 >&2
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# measure LABEL PID OTHER_PID URL METHOD BODY CONNECTIONS [-H …]: one closed-loop run; appends
# "label|req/s|cpu ms per request|other's cpu ms per request|dirty|other's cpu ms in all" to $work/rows.
measure() {
  local label="$1" pid="$2" other="$3" url="$4" method="$5" body="$6" conns="$7"; shift 7
  local before other_before result dirty="" responses rate cpu other_cpu="-"
  echo "measuring: $label" >&2
  before=$(ticks "$pid"); [ "$other" != - ] && other_before=$(ticks "$other")
  result=$("$bench" load --url "$url" --method "$method" ${body:+--body "$body"} "$@" \
    --connections "$conns" --duration "$duration") || dirty=" (errors or non-2xx: not valid)"
  local spent=$(( $(ticks "$pid") - before ))
  [ "$other" != - ] && other_cpu=$(( $(ticks "$other") - other_before ))
  echo "$result" | sed 's/^/    /' >&2
  responses=$(echo "$result" | awk '/^responses/ {print $2}')
  rate=$(echo "$result" | awk '/^throughput/ {print $2}')
  cpu=$(echo "scale=6; $spent * 1000 / $hz / $responses" | bc)
  local other_total="-"
  if [ "$other" != - ]; then
    other_total=$(( other_cpu * 1000 / hz ))
    other_cpu=$(echo "scale=6; $other_cpu * 1000 / $hz / $responses" | bc)
  fi
  echo "    server CPU $spent ticks over $responses responses: $cpu ms per request; other node: $other_cpu" >&2
  echo "$label|${rate%.*}|$cpu|$other_cpu|$dirty|$other_total" >> "$work/rows"
}
cpu_of() { awk -F'|' -v l="$1" '$1 == l {print $3}' "$work/rows"; }
other_of() { awk -F'|' -v l="$1" '$1 == l {print $4}' "$work/rows"; }

started=$(date +%s)
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$work/rows"
single_url=$(make_schema "${tag}_single"); schemas+=("${tag}_single")
cluster_url=$(make_schema "${tag}_cluster"); schemas+=("${tag}_cluster")
echo "schemas ${tag}_single and ${tag}_cluster; cluster name $cluster_name" >&2

hello_port=$(free_port)
"$bench" hello --listen "127.0.0.1:$hello_port" > "$work/hello.log" 2>&1 &
hello_pid=$!; pids+=("$hello_pid")
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$hello_port/hello" > /dev/null && break; sleep 0.1; done

start_node single "$single_url"; s_pid=$node_pid; s_base=$node_base
start_node a "$cluster_url" --nats-url "$nats_url" --cluster-name "$cluster_name" --node-id a
a_pid=$node_pid; a_base=$node_base
start_node b "$cluster_url" --nats-url "$nats_url" --cluster-name "$cluster_name" --node-id b
b_pid=$node_pid; b_base=$node_base

device=4791000011
read_path=/queue/queues
power_path="/sandbox/v1/devices/$device/power"
s_token=$(token "$s_base"); c_token=$(token "$a_base")
check GET "$s_base$read_path" "" -H "Authorization: Bearer $s_token"
check GET "$b_base$read_path" "" -H "Authorization: Bearer $c_token"   # A's token on B
check PUT "$s_base$power_path" '{"on":true}'
check PUT "$a_base$power_path" '{"on":true}'    # A owns the engine from now on
check PUT "$b_base$power_path" '{"on":true}'    # forwarded to A
curl -s "$a_base/metrics" | grep -E '^sentral_cluster_(owned_engines|forwarded_commands_total)' | sed 's/^/    A: /' >&2
curl -s "$b_base/metrics" | grep -E '^sentral_cluster_(owned_engines|forwarded_commands_total)' | sed 's/^/    B: /' >&2

measure "hello-world" "$hello_pid" - "http://127.0.0.1:$hello_port/hello" GET "" "$connections"
for round in $(seq 1 "$rounds"); do
  measure "read, single node ($round)" "$s_pid" - "$s_base$read_path" GET "" "$connections" \
    -H "Authorization: Bearer $s_token"
  measure "read on B, cluster ($round)" "$b_pid" "$a_pid" "$b_base$read_path" GET "" "$connections" \
    -H "Authorization: Bearer $c_token"
done
toggle='{"on":{bool}}'
measure "power toggle, single node" "$s_pid" - "$s_base$power_path" PUT "$toggle" "$toggle_connections" \
  -H "Content-Type: application/json"
forwarded_before=$(curl -s "$b_base/metrics" | awk '/^sentral_cluster_forwarded_commands_total/ {print $2}')
measure "power toggle on B, forwarded to A" "$b_pid" "$a_pid" "$b_base$power_path" PUT "$toggle" \
  "$toggle_connections" -H "Content-Type: application/json"
forwarded_after=$(curl -s "$b_base/metrics" | awk '/^sentral_cluster_forwarded_commands_total/ {print $2}')
echo "B forwarded $(echo "${forwarded_after:-0} - ${forwarded_before:-0}" | bc) commands during the run" >&2

echo "measuring: command→event latency, stream on A, commands on B ($count toggles)" >&2
python3 scripts/cluster_latency.py --stream-node "$a_base" --command-node "$b_base" --count "$count" \
  > "$work/latency-cluster.txt"
echo "measuring: command→event latency, single node ($count toggles)" >&2
python3 scripts/cluster_latency.py --stream-node "$s_base" --command-node "$s_base" --count "$count" \
  > "$work/latency-single.txt"
sed 's/^/    cluster: /' "$work/latency-cluster.txt" >&2
sed 's/^/    single: /' "$work/latency-single.txt" >&2
lat() { awk -v k="$2" '$1 == k {print $2}' "$work/latency-$1.txt"; }

ms() { printf '%.3f ms' "$1"; }
ratio() { echo "scale=4; $1 / $2" | bc | awk '{printf "%.2f×", $1}'; }
# mean LABEL-PREFIX: the mean CPU per request of the rows "PREFIX (1)", "PREFIX (2)", …
mean() { awk -F'|' -v p="$1 (" 'index($1, p) == 1 {sum += $3; n++} END {printf "%.6f", sum / n}' "$work/rows"; }
hello_cpu=$(cpu_of "hello-world")
s_read=$(mean "read, single node")
b_read=$(mean "read on B, cluster")
s_toggle=$(cpu_of "power toggle, single node")
b_toggle=$(cpu_of "power toggle on B, forwarded to A")
a_toggle=$(other_of "power toggle on B, forwarded to A")

report="$work/report.md"
{
  echo "### Cluster mode: a read and a forwarded call-control input (issue 15)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, tree at commit $(git rev-parse --short HEAD), load average at start $load_at_start."
  echo "PostgreSQL ($database_url, fresh schemas), NATS $nats_url; closed loop, 1 s warm-up + $duration s; reads $connections connections, toggles $toggle_connections."
  echo "CPU per request = the process's user + system time over the run ÷ every response of the run."
  echo
  echo "| measurement | req/s | CPU per request, node measured | CPU per request, other node | ratio to single node | ratio to hello-world |"
  echo "|---|---:|---:|---:|---:|---:|"
  while IFS='|' read -r label rate cpu other dirty other_total; do
    case "$label" in
      "read on B"*) base_cpu=$s_read ;;
      "power toggle on B"*) base_cpu=$s_toggle ;;
      *) base_cpu="" ;;
    esac
    other_cell="-"; [ "$other" != - ] && other_cell="$(ms "$other") (A; $other_total ms over the run)"
    vs_single="-"; [ -n "$base_cpu" ] && vs_single=$(ratio "$cpu" "$base_cpu")
    node=""; case "$label" in *" on B"*) node=" (B)" ;; esac
    echo "| $label$dirty | $rate | $(ms "$cpu")$node | $other_cell | $vs_single | $(ratio "$cpu" "$hello_cpu") |"
  done < "$work/rows"
  echo "| **read, mean of the $rounds rounds**: single node / cluster (B) | | $(ms "$s_read") / $(ms "$b_read") | | **$(ratio "$b_read" "$s_read")** | $(ratio "$s_read" "$hello_cpu") / $(ratio "$b_read" "$hello_cpu") |"
  echo "| **power toggle, B + A together** (forwarded) | | $(ms "$(echo "$b_toggle + $a_toggle" | bc)") | | **$(ratio "$(echo "$b_toggle + $a_toggle" | bc)" "$s_toggle")** | $(ratio "$(echo "$b_toggle + $a_toggle" | bc)" "$hello_cpu") |"
  echo
  echo "| command→event latency (power toggle → StatusChanged on the monitor's stream, $(lat cluster count) toggles one at a time) | p50 | p99 | max | the PUT's 204: p50 | p99 |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| across nodes: sent on B, streamed from A (the owner) | $(lat cluster event_p50) ms | $(lat cluster event_p99) ms | $(lat cluster event_max) ms | $(lat cluster ack_p50) ms | $(lat cluster ack_p99) ms |"
  echo "| single node: sent and streamed on the same node | $(lat single event_p50) ms | $(lat single event_p99) ms | $(lat single event_max) ms | $(lat single ack_p50) ms | $(lat single ack_p99) ms |"
  echo
  echo "Read target (≤ 10 % more CPU in cluster mode): $(echo "$b_read <= 1.10 * $s_read" | bc | sed 's/1/met/;s/0/NOT met/') ($(ratio "$b_read" "$s_read")). The run took $(( $(date +%s) - started )) s."
} > "$report"
cat "$report"
[ -n "$out" ] && cp "$report" "$out"
exit 0
