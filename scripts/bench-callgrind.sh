#!/usr/bin/env bash
# Instructions per request of sentral's read paths, counted by valgrind's callgrind: repeatable
# for one binary whatever else the machine is doing (the two cores here are shared), so a before
# and an after binary compare exactly. Counts user-space instructions only (not the kernel's TCP
# work, which is the same for every row), and counts a large memcpy by its bytes, which makes
# copies look dearer than they are.
#
#   scripts/bench-callgrind.sh [--requests N] [--keep DIR] SENTRAL_BIN [PATH ...]
#
# It starts `SENTRAL_BIN serve --demo` on a fresh data dir under callgrind with instrumentation
# off, takes a password-grant token for api0000000001, and per path: 200 warm-up requests, then
# N (default 2000) requests on one keep-alive connection with instrumentation on, then prints
# instructions per request. SENTRAL_BENCH_BIN (default: beside SENTRAL_BIN) is measured the same
# way for the axum hello-world, the reference row. With --keep DIR, each path's callgrind profile
# is kept as DIR/NN.callgrind (NN in the order of the rows, 00 the hello-world), for
# `callgrind_annotate --inclusive=yes DIR/NN.callgrind`.
set -euo pipefail
requests=2000
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) requests=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) break ;;
  esac
done
bin=${1:?usage: scripts/bench-callgrind.sh [--requests N] [--keep DIR] SENTRAL_BIN [PATH ...]}
shift
paths=("$@")
if [ ${#paths[@]} -eq 0 ]; then
  paths=(/organizations/v1/organizations
    /corporate-mobile-subscriptions/v2/mobile-subscriptions/91000001
    "/corporate-mobile-subscriptions/v2/mobile-subscriptions?organizationNumber=930000000&pageSize=5"
    "/corporate-accounts/v2/accounts?pageSize=5" /queue/queues
    "/catalog/enterprises/100001/members?pageSize=5" "/catalog/contacts?pageSize=5"
    /catalog/contacts/ct_demo_0000001 /catalog/members/mem_dk_000041)
fi
bench_bin=${SENTRAL_BENCH_BIN:-$(dirname "$bin")/sentral-bench}
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }
work=$(mktemp -d)
row=0
if [ -n "$keep" ]; then mkdir -p "$keep"; fi
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

client() { # port path count [token]
  python3 - "$@" <<'PY'
import http.client, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
headers = {"Authorization": "Bearer " + sys.argv[4]} if len(sys.argv) > 4 else {}
conn = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    conn.request("GET", path, headers=headers)
    answer = conn.getresponse()
    answer.read()
    if answer.status != 200:
        sys.exit(f"{path}: HTTP {answer.status}")
PY
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

measure() { # pid port path [token] → instructions per request
  client "$2" "$3" 200 ${4:-}
  callgrind_control -i on "$1" >/dev/null
  client "$2" "$3" "$requests" ${4:-}
  callgrind_control -i off "$1" >/dev/null
  callgrind_control -d "$1" >/dev/null
  local file total
  file=$(ls -t "$work"/cg.* | head -1)
  total=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
  if [ -n "$keep" ]; then
    cp "$file" "$keep/$(printf '%02d' "$row").callgrind"
  fi
  callgrind_control -z "$1" >/dev/null
  echo $((total / requests))
}

wait_for() { for _ in $(seq 1 240); do curl -sf -o /dev/null "$1" && return 0; sleep 0.5; done; echo "no answer from $1" >&2; exit 1; }

printf '| request | instructions per request | × hello-world |\n|---|---:|---:|\n'
hello=""
if [ -x "$bench_bin" ]; then
  port=$(free_port)
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.%p" \
    "$bench_bin" hello --listen "127.0.0.1:$port" >"$work/hello.log" 2>&1 &
  server=$!
  wait_for "http://127.0.0.1:$port/hello"
  hello=$(measure $server "$port" /hello)
  row=1
  printf '| axum hello-world `GET /hello` (reference) | %s | 1.00 |\n' "$hello"
  kill $server; wait $server 2>/dev/null || true
  rm -f "$work"/cg.*
else
  row=1
fi
port=$(free_port)
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.%p" \
  "$bin" serve --demo --data-dir "$work/data" --listen "127.0.0.1:$port" \
  --quota-per-minute 0 --spike-arrest-per-second 0 >"$work/sentral.log" 2>&1 &
server=$!
wait_for "http://127.0.0.1:$port/healthz"
token=$(curl -sf -u demo-client:demo-secret -d grant_type=password -d username=api0000000001 \
  -d password=demo-password "http://127.0.0.1:$port/oauth/v2/token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
for path in "${paths[@]}"; do
  count=$(measure $server "$port" "$path" "$token")
  row=$((row + 1))
  ratio=$([ -n "$hello" ] && python3 -c "print(f'{$count / $hello:.1f}')" || echo "—")
  printf '| `GET %s` | %s | %s |\n' "$path" "$count" "$ratio"
done
