#!/usr/bin/env bash
# Benchmark of KPN's subscriber and contract lists on `sentral seed --scale N`'s KPN customer
# (Schaal Klant B.V., N subscribers with one contract each; default 100 000), in the style of
# bench-corporate.sh: per endpoint a closed-loop run (maximum rate) and the server CPU (user +
# system, from /proc/<pid>/stat) per request, beside the axum hello-world of sentral-bench.
# Usage: scripts/bench-kpn.sh [--scale N] [--duration SECS] [--out FILE] [--store DIR]
# --store DIR uses a copy of a data dir seeded before (`sentral --data-dir DIR seed --scale N`).
set -euo pipefail
cd "$(dirname "$0")/.."

scale=100000; duration=10; out=""; store=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --store) store="$2"; shift 2 ;;
    *) echo "unknown argument $1; use --scale N, --duration SECS, --out FILE, --store DIR" >&2; exit 2 ;;
  esac
done

target_dir="${CARGO_TARGET_DIR:-target}"
echo "building release binaries into $target_dir" >&2
cargo build --release -p sentral -p sentral-bench >&2
sentral="$target_dir/release/sentral"
bench="$target_dir/release/sentral-bench"

work="$(mktemp -d)"; server_pid=""; hello_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$hello_pid" ] && kill "$hello_pid" 2>/dev/null && wait "$hello_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ -n "$store" ]; then
  mkdir -p "$work/data" && cp "$store/sentral.db" "$work/data/"
  seeded="copied from $store"
else
  echo "seeding scale $scale" >&2
  started=$(date +%s.%N)
  "$sentral" --data-dir "$work/data" seed --scale "$scale" > "$work/seed.txt"
  cat "$work/seed.txt" >&2
  seeded="seeding took $(echo "$(date +%s.%N) - $started" | bc | cut -d. -f1) s"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
"$sentral" --data-dir "$work/data" serve --demo --listen "127.0.0.1:$port" \
  --quota-per-minute 0 --spike-arrest-per-second 0 > "$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done
hello_port=$(free_port)
"$bench" hello --listen "127.0.0.1:$hello_port" > "$work/hello.log" 2>&1 &
hello_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$hello_port/hello" > /dev/null && break; sleep 0.1; done

token=$(curl -s -d client_id=demo-kpn-scale-client -d client_secret=demo-kpn-scale-secret \
  "$base/oauth/grip/msm/accesstoken?grant_type=client_credentials" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
kpn="$base/mobile/kpn/mobileservices"
# Employee numbers of the scale customer run from 2000001; one in the middle.
employee=$(( 2000001 + scale / 2 ))
endpoints=(
  "axum hello-world (reference: not sentral)|HELLO"
  "subscribers by EMPLOYEE_NUMBER, page of 20|$kpn/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%22$employee%22&from=0&to=20"
  "subscribers, page of 20 in the middle|$kpn/hierarchy/subscribers?from=$(( scale / 2 ))&to=$(( scale / 2 + 20 ))"
  "/contract/all, page of 100|$kpn/contract/all?from=0&to=100"
  "/contract/all, page of 100 in the middle|$kpn/contract/all?from=$(( scale / 2 ))&to=$(( scale / 2 + 100 ))"
)
check=$(curl -s -H "Authorization: Bearer $token" "$kpn/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%22$employee%22")
echo "filter check: $check" >&2

report="$work/report.md"
{
  echo "### KPN lists on a scale-$scale customer"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, tree at commit $(git rev-parse --short HEAD), load average at start $(cut -d' ' -f1-3 /proc/loadavg). Store: $seeded."
  echo
  echo "| endpoint | max req/s (closed loop, 16 connections) | server CPU per request | ratio to hello-world |"
  echo "|---|---:|---:|---:|"
} > "$report"
hello_cpu=""
for entry in "${endpoints[@]}"; do
  label="${entry%%|*}"; url="${entry#*|}"; dirty=""
  if [ "$url" = HELLO ]; then url="http://127.0.0.1:$hello_port/hello"; pid=$hello_pid; else pid=$server_pid; fi
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  closed=$("$bench" load --url "$url" -H "Authorization: Bearer $token" --connections 16 --duration "$duration") || dirty=" (errors or unsent requests: not valid)"
  echo "$closed" >&2
  max=$(echo "$closed" | awk '/^throughput/ {print $2}')
  ticks=$(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - before ))
  cpu_ms=$(echo "scale=4; $ticks * 1000 / $(getconf CLK_TCK) / ($max * ($duration + 1))" | bc)
  [ -z "$hello_cpu" ] && hello_cpu=$cpu_ms
  ratio=$(echo "scale=1; $cpu_ms / $hello_cpu" | bc)
  echo "| $label | ${max%.*}$dirty | $(printf '%.3f' "$cpu_ms") ms | ${ratio}× |" >> "$report"
done
cat "$report"
[ -n "$out" ] && cp "$report" "$out"
