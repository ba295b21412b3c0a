#!/usr/bin/env bash
# Benchmark of the KPN basket (issue 12, "Done when"): basket read and modify on the demo
# catalogue's product tree (at least --min-nodes nodes, default 200), in the style of
# bench-kpn.sh: per row a closed-loop run (maximum rate) and the server CPU (user + system, from
# /proc/<pid>/stat over the run and its warm-up) per request, beside the axum hello-world of
# sentral-bench measured in the same run.
#
# The basket is opened as the API tests do (crates/api/tests/api/kpn_basket.rs): init with
# `{accountGroupId}` (a demo subscriber), a MOBILE template put in when there is one, then eSim
# "true" so that eSimEmail is asked. Rows:
#   - GET  /contracting/basket            (BasketSnapshot: tree, characteristics, prices)
#   - GET  /contracting/basket/products   (the tree alone)
#   - POST /contracting/basket            productActions PUT of a SELECT_MANY option (the same
#                                         state after the first request: validate, apply,
#                                         re-price and store the session every time)
#   - POST /contracting/basket            characteristicActions eSimEmail, a new value each
#                                         request (`{n}` of sentral-bench load --body)
# Reads use --connections (default 16); the modifies --write-connections (default 1: one
# user's basket changes one request after another; one session shared by many connections
# measures contention on a row, not the basket).
#
# Usage: scripts/bench-basket.sh [--duration SECS] [--connections N] [--write-connections N]
#                                [--min-nodes N] [--database-url URL] [--out FILE] [--keep-temp]
#   --database-url URL   PostgreSQL: the store in a fresh schema there (psql), dropped afterwards;
#                        the CPU column then counts sentral's process only, not PostgreSQL's
#   SENTRAL_BIN=PATH / BENCH_BIN=PATH measure those binaries instead of building
#   target/release/sentral and target/release/sentral-bench from the tree.
# The table (Markdown) goes to stdout (and --out); progress to stderr. Exit status 3 when a row
# saw errors (its figures are marked not valid).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=10; connections=16; write_connections=1; min_nodes=200; out=""; keep=""; database_url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --write-connections) write_connections="$2"; shift 2 ;;
    --min-nodes) min_nodes="$2"; shift 2 ;;
    --database-url) database_url="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --keep-temp) keep=1; shift ;;
    *) echo "unknown argument $1; see the head of $0" >&2; exit 2 ;;
  esac
done

target_dir="${CARGO_TARGET_DIR:-target}"
if [ -z "${SENTRAL_BIN:-}" ] || [ -z "${BENCH_BIN:-}" ]; then
  echo "building release binaries into $target_dir" >&2
  cargo build --release -p sentral -p sentral-bench >&2
fi
sentral="${SENTRAL_BIN:-$target_dir/release/sentral}"
bench="${BENCH_BIN:-$target_dir/release/sentral-bench}"

work="$(mktemp -d)"; server_pid=""; hello_pid=""; schema=""
cleanup() {
  local status=$?
  # A killed server's wait answers 143: not this script's status.
  [ -n "$server_pid" ] && { kill "$server_pid" && wait "$server_pid"; } 2>/dev/null || true
  [ -n "$hello_pid" ] && { kill "$hello_pid" && wait "$hello_pid"; } 2>/dev/null || true
  [ -n "$schema" ] && { psql -X -q -d "$database_url" -c "DROP SCHEMA IF EXISTS $schema CASCADE" 2>/dev/null || true; }
  if [ -n "$keep" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
store=(--data-dir "$work/data"); backend="SQLite"
if [ -n "$database_url" ]; then
  schema="sentral_bench_basket_$$"
  psql -X -q -d "$database_url" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public" 2>/dev/null || true
  psql -X -q -v ON_ERROR_STOP=1 -d "$database_url" -c "CREATE SCHEMA $schema"
  case "$database_url" in *\?*) separator='&' ;; *) separator='?' ;; esac
  store=(--database-url "${database_url}${separator}options=-c%20search_path%3D$schema"); backend="PostgreSQL"
fi
port=$(free_port)
"$sentral" "${store[@]}" serve --demo --listen "127.0.0.1:$port" \
  --quota-per-minute 0 --spike-arrest-per-second 0 > "$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done
curl -sf "$base/healthz" > /dev/null || { echo "sentral did not start; see $work/server.log" >&2; keep=1; exit 1; }
hello_port=$(free_port)
"$bench" hello --listen "127.0.0.1:$hello_port" > "$work/hello.log" 2>&1 &
hello_pid=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$hello_port/hello" > /dev/null && break; sleep 0.1; done

token=$(curl -s -d client_id=demo-kpn-client -d client_secret=demo-kpn-secret \
  "$base/oauth/grip/msm/accesstoken?grant_type=client_credentials" \
  | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
kpn="$base/mobile/kpn/mobileservices"
auth="Authorization: Bearer $token"

# A KPN call: method, path (after the base path), optional JSON body; fails on a non-2xx.
call() {
  local method="$1" path="$2" body="${3:-}" answer status
  if [ -n "$body" ]; then
    answer=$(curl -s -w '\n%{http_code}' -X "$method" -H "$auth" -H 'Content-Type: application/json' -d "$body" "$kpn$path")
  else
    answer=$(curl -s -w '\n%{http_code}' -X "$method" -H "$auth" "$kpn$path")
  fi
  status="${answer##*$'\n'}"
  answer="${answer%$'\n'*}"
  if [ "${status:0:1}" != 2 ]; then
    echo "$method $path ${body:+$body }answered $status: $answer" >&2
    return 1
  fi
  printf '%s' "$answer"
}
json() { python3 -c "import sys,json; d=json.load(sys.stdin); $1"; }

# The API test's new employee (1038, no contract yet), else the first subscriber.
answer=$(call GET "/hierarchy/subscribers?filters=EMPLOYEE_NUMBER:%221038%22")
subscriber=$(json 'r=d["result"]; print(r[0]["id"] if r else "")' <<< "$answer")
if [ -z "$subscriber" ]; then
  answer=$(call GET "/hierarchy/subscribers?to=1")
  subscriber=$(json 'print(d["result"][0]["id"])' <<< "$answer")
fi
answer=$(call POST /contracting/basket "{\"accountGroupId\": $subscriber}")
session=$(json 'print(d["sessionId"])' <<< "$answer")
echo "basket session $session for subscriber $subscriber" >&2
q="sessionId=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$session")"
answer=$(call GET "/contracting/basket/templates?mainProductCategory=MOBILE&$q")
template=$(json 'r=d.get("result") or []; print(r[0]["id"] if r else "")' <<< "$answer")
if [ -n "$template" ]; then
  call POST "/contracting/basket?$q" "{\"templateId\": \"$template\"}" > /dev/null
  echo "template $template put in" >&2
fi
esim=""
if call POST "/contracting/basket?$q" '{"characteristicActions": [{"name": "eSim", "value": "true"}]}' > /dev/null; then
  answer=$(call GET "/contracting/basket/characteristics?$q")
  esim=$(json 'print("yes" if "eSimEmail" in d else "")' <<< "$answer")
fi

call GET "/contracting/basket?$q" > "$work/snapshot.json"
# The tree's size, and an option to PUT: visible, enabled, not contracted, below SELECT_MANY.
read -r nodes option < <(python3 - "$work/snapshot.json" <<'EOF'
import json, sys
tree = json.load(open(sys.argv[1]))["productTree"]
count, option = 0, ""
def walk(items, strategy):
    global count, option
    for item in items:
        count += 1
        if (not option and strategy == "SELECT_MANY" and item.get("visible") and not item.get("disabled")
                and not item.get("contracted") and not item.get("children")):
            option = item["id"]
        walk(item.get("children") or [], item.get("childrenSelectionStrategy"))
walk(tree, "NONE")
print(count, option or "-")
EOF
)
snapshot_bytes=$(wc -c < "$work/snapshot.json")
echo "product tree: $nodes nodes, snapshot $snapshot_bytes bytes, option to PUT: $option" >&2
if [ "$nodes" -lt "$min_nodes" ]; then
  echo "the product tree has $nodes nodes, fewer than --min-nodes $min_nodes: not the benchmark issue 12 asks for" >&2
  exit 1
fi

rows=(
  "axum hello-world (reference: not sentral)|$connections|GET|HELLO|"
  "GET /contracting/basket (snapshot, $snapshot_bytes bytes)|$connections|GET|$kpn/contracting/basket?$q|"
  "GET /contracting/basket/products (tree of $nodes nodes)|$connections|GET|$kpn/contracting/basket/products?$q|"
)
if [ "$option" != "-" ]; then
  rows+=("POST /contracting/basket, productActions PUT $option|$write_connections|POST|$kpn/contracting/basket?$q|{\"productActions\": [{\"productId\": \"$option\", \"amount\": 1, \"type\": \"PUT\"}]}")
else
  echo "no SELECT_MANY option in the tree: the productActions row is left out" >&2
fi
if [ -n "$esim" ]; then
  rows+=("POST /contracting/basket, characteristicActions eSimEmail (a new value each)|$write_connections|POST|$kpn/contracting/basket?$q|{\"characteristicActions\": [{\"name\": \"eSimEmail\", \"value\": \"bench{n}@demoklant.nl\"}]}")
else
  echo "eSimEmail is not asked after eSim=true: the characteristicActions row is left out" >&2
fi

report="$work/report.md"
{
  echo "### KPN basket on the demo catalogue ($nodes tree nodes, $backend)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, tree at commit $(git rev-parse --short HEAD), load average at start $(cut -d' ' -f1-3 /proc/loadavg); $duration s per row after 1 s of warm-up."
  echo
  echo "| row | connections | max req/s (closed loop) | server CPU per request | ratio to hello-world |"
  echo "|---|---:|---:|---:|---:|"
} > "$report"
hello_cpu=""; failed=""
for row in "${rows[@]}"; do
  IFS='|' read -r label conns method url body <<< "$row"
  dirty=""
  if [ "$url" = HELLO ]; then url="http://127.0.0.1:$hello_port/hello"; pid=$hello_pid; else pid=$server_pid; fi
  load=("$bench" load --url "$url" -H "$auth" --method "$method" --connections "$conns" --duration "$duration")
  [ -n "$body" ] && load+=(--body "$body" -H 'Content-Type: application/json')
  before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  measured=$("${load[@]}") || { dirty=" (errors or unsent requests: not valid)"; failed=1; }
  echo "$measured" >&2
  max=$(echo "$measured" | awk '/^throughput/ {print $2}')
  ticks=$(( $(awk '{print $14 + $15}' "/proc/$pid/stat") - before ))
  cpu_ms=$(echo "scale=4; $ticks * 1000 / $(getconf CLK_TCK) / ($max * ($duration + 1))" | bc)
  [ -z "$hello_cpu" ] && hello_cpu=$cpu_ms
  ratio=$(echo "scale=1; $cpu_ms / $hello_cpu" | bc)
  echo "| $label | $conns | ${max%.*}$dirty | $(printf '%.3f' "$cpu_ms") ms | ${ratio}× |" >> "$report"
done
# The basket still reads after the writes (its price as it ended).
answer=$(call GET "/contracting/basket?$q")
price=$(json 'print(json.dumps(d.get("totalPrice")))' <<< "$answer")
echo >> "$report"
echo "Total price of the basket after the runs: \`$price\`." >> "$report"
cat "$report"
[ -n "$out" ] && cp "$report" "$out"
[ -z "$failed" ] || exit 3
