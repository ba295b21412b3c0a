#!/usr/bin/env bash
# Benchmark of a logged-in portal page: the demo partner with 50 applications (the demo world's two
# and 48 pilots made with `sentral admin app create`), its super-administrator logged in through
# the login form, then a closed loop on the page with the session cookie, beside the axum
# hello-world of sentral-bench in the same run: req/s, server CPU per request (utime + stime from
# /proc), p50/p99.
# Usage: scripts/bench-portal.sh [--duration SECS] [--path /portal/apier] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

duration=10
paths=("/portal/apier" "/portal/developer/")
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --path) paths=("$2"); shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument $1; use --duration SECS, --path PATH, --out FILE" >&2; exit 2 ;;
  esac
done

target_dir="${CARGO_TARGET_DIR:-target}"
echo "building release binaries into $target_dir (a few minutes the first time)" >&2
cargo build --release -p sentral -p sentral-bench >&2
sentral="$target_dir/release/sentral"
bench="$target_dir/release/sentral-bench"

work="$(mktemp -d)"
server_pid=""
hello_pid=""
cleanup() {
  # `|| true`: under set -e a killed server's status (143) would end the trap before the rm.
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$hello_pid" ] && kill "$hello_pid" 2>/dev/null && wait "$hello_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() {
  port=$(free_port)
  "$sentral" --data-dir "$work/data" serve --demo --listen "127.0.0.1:$port" \
    --quota-per-minute 0 --spike-arrest-per-second 0 > "$work/server.log" 2>&1 &
  server_pid=$!
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done
  curl -sf "$base/healthz" > /dev/null || { echo "the server did not start; see $work/server.log" >&2; exit 1; }
}

echo "seeding the demo world, then 48 more pilot applications of Demo Partner AS" >&2
start_server
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
for n in $(seq 1 48); do
  "$sentral" --data-dir "$work/data" admin app create --partner 920000002 --name "Benchmark app $n" \
    --products mbn-catalog,mbn-user --owner "Per Partner" --created-by per@demopartner.no > /dev/null
  printf '\r%s/48' "$n" >&2
done
echo >&2
start_server
hello_port=$(free_port)
"$bench" hello --listen "127.0.0.1:$hello_port" > "$work/hello.log" 2>&1 &
hello_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$hello_port/hello" > /dev/null && break; sleep 0.1; done

# Log in as a browser does: the login form's token cookie, then the form.
jar="$work/cookies"
curl -s -c "$jar" "$base/portal/login" > /dev/null
csrf=$(awk '$6 == "sentral-login-csrf" {print $7}' "$jar")
curl -s -b "$jar" -c "$jar" -H "Sec-Fetch-Site: same-origin" --data-urlencode "_csrf=$csrf" \
  --data-urlencode "login=per@demopartner.no" --data-urlencode "password=demo-super-password" \
  "$base/portal/login" > /dev/null
session=$(awk '$6 == "sentral-portal" {print $7}' "$jar")
[ -n "$session" ] || { echo "login failed; see $work/server.log" >&2; exit 1; }

report="$work/report.md"
{
  echo "### A logged-in portal page with 50 applications"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $sentral (tree at commit $(git rev-parse --short HEAD)), load average at start $(cut -d' ' -f1-3 /proc/loadavg); closed loop, 16 connections, ${duration} s."
  echo
  echo "| page | req/s | × hello-world | server CPU per request | × hello-world's | p50 / p99 | bytes |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} > "$report"

measure() { # url pid header -> "req/s cpu_ms p50 p99"
  local url="$1" pid="$2" header="$3" before after result rps
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  result=$("$bench" load --url "$url" -H "$header" --connections 16 --duration "$duration")
  after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "$result" >&2
  rps=$(echo "$result" | awk '/^throughput/ {print $2}')
  cpu=$(echo "scale=4; ($after - $before) * 1000 / $(getconf CLK_TCK) / ($rps * ($duration + 1))" | bc)
  p50=$(echo "$result" | grep -o 'p50 [0-9.]* [a-zµ]*' | head -1 | cut -d' ' -f2-)
  p99=$(echo "$result" | grep -o 'p99 [0-9.]* [a-zµ]*' | head -1 | cut -d' ' -f2-)
  echo "$rps|$cpu|$p50|$p99"
}

hello=$(measure "http://127.0.0.1:$hello_port/hello" "$hello_pid" "Accept: */*")
hello_rps=${hello%%|*}; rest=${hello#*|}; hello_cpu=${rest%%|*}
echo "| axum hello-world (reference) | ${hello_rps%.*} | 1.00 | $(printf '%.3f' "$hello_cpu") ms | 1.0 | $(echo "$rest" | cut -d'|' -f2) / $(echo "$rest" | cut -d'|' -f3) | 17 |" >> "$report"
for path in "${paths[@]}"; do
  status=$(curl -s -o "$work/page.html" -w '%{http_code}' -H "Cookie: sentral-portal=$session" "$base$path")
  if [ "$status" != 200 ]; then
    echo "| \`GET $path\` | answered $status: not measured | | | | | |" >> "$report"
    continue
  fi
  bytes=$(wc -c < "$work/page.html")
  row=$(measure "$base$path" "$server_pid" "Cookie: sentral-portal=$session")
  rps=${row%%|*}; rest=${row#*|}; cpu=${rest%%|*}
  echo "| \`GET $path\` (50 applications) | ${rps%.*} | $(echo "scale=2; $rps / $hello_rps" | bc) | $(printf '%.3f' "$cpu") ms | $(echo "scale=1; $cpu / $hello_cpu" | bc) | $(echo "$rest" | cut -d'|' -f2) / $(echo "$rest" | cut -d'|' -f3) | $bytes |" >> "$report"
done
cat "$report"
[ -n "$out" ] && cp "$report" "$out"
