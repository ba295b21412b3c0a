#!/usr/bin/env bash
# Benchmark of the MBN Catalog contact directory on a large enterprise: `sentral seed --scale N`
# (default 50 000, which gives the scale enterprise 300001 100 000 contacts), then 1 000 contacts
# changed through the batch API, then for each endpoint a closed-loop run (maximum rate) and an
# open-loop run at 80 % of it (p99 latency), with the load generator of `sentral-bench`.
# Targets (ARCHITECTURE.md): a changed-since page of 1 000 in < 10 ms, a full-sync page of
# 1 000 in < 20 ms.
# Usage: scripts/bench-directory.sh [--scale N] [--duration SECS] [--out FILE]
set -euo pipefail
cd "$(dirname "$0")/.."

scale=50000
duration=10
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument $1; use --scale N, --duration SECS, --out FILE" >&2; exit 2 ;;
  esac
done

target_dir="${CARGO_TARGET_DIR:-target}"
echo "building release binaries into $target_dir (a few minutes the first time)" >&2
cargo build --release -p sentral -p sentral-bench >&2
sentral="$target_dir/release/sentral"
bench="$target_dir/release/sentral-bench"

work="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

contacts=$(( scale * 2 ))
echo "seeding a customer with $scale subscriptions and $contacts contacts" >&2
seed_started=$(date +%s.%N)
"$sentral" --data-dir "$work/data" seed --scale "$scale" > "$work/seed.txt"
seed_seconds=$(echo "$(date +%s.%N) - $seed_started" | bc)
cat "$work/seed.txt" >&2

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$sentral" --data-dir "$work/data" serve --demo --listen "127.0.0.1:$port" \
  --quota-per-minute 0 --spike-arrest-per-second 0 > "$work/server.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$base/healthz" > /dev/null && break; sleep 0.1; done
curl -sf "$base/healthz" > /dev/null || { echo "the server did not start; see $work/server.log" >&2; exit 1; }

token=$(curl -s -u demo-client:demo-secret -d grant_type=password -d username=api0000000001 \
  -d password=demo-password "$base/oauth/v2/token" | python3 -c 'import sys,json; print(json.load(sys.stdin)["access_token"])')
enterprise=300001
contacts_url="$base/catalog/contacts?enterpriseId=$enterprise"

# The sync client's last visit, then 1 000 changes (one batch) in the middle of the directory.
sleep 1
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
python3 - "$scale" > "$work/batch.json" <<'EOF'
import json, sys
middle = int(sys.argv[1])
entries = [{"action": "upsert", "externalId": f"crm-{n:07d}", "firstName": "Endret",
            "lastName": f"Kontakt{n}", "company": "Skala Kunde AS", "title": "Ny tittel",
            "numbers": [{"kind": "work", "number": f"4721{n % 1000000:06d}"}]}
           for n in range(middle + 1, middle + 1001)]
print(json.dumps({"entries": entries}))
EOF
batch_started=$(date +%s.%N)
curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data @"$work/batch.json" "$base/catalog/contacts/batch?enterpriseId=$enterprise" > "$work/batch-result.json"
batch_ms=$(echo "($(date +%s.%N) - $batch_started) * 1000" | bc)
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["updated"]==1000, r' "$work/batch-result.json"
changed=$(curl -sf -H "Authorization: Bearer $token" "$contacts_url&changedSince=$since&pageSize=1000" \
  | python3 -c 'import sys,json; b=json.load(sys.stdin); print(len(b["content"]), b["hasMore"])')
[ "$changed" = "1000 False" ] || { echo "changedSince gave $changed, expected 1000 changes" >&2; exit 1; }
rss_kib=$(ps -o rss= -p "$server_pid" | tr -d ' ')

middle_cursor=$(( contacts / 2 ))
endpoints=(
  "changedSince, page of 1 000 (the 1 000 changed)|$contacts_url&changedSince=$since&pageSize=1000|10"
  "cursor, page of 1 000 in the middle (full sync)|$contacts_url&cursor=$middle_cursor&pageSize=1000|20"
  "cursor at the end (nothing new)|$contacts_url&cursor=$(( contacts + 1000 ))&pageSize=1000|10"
  "listing by name, page of 100 in the middle|$contacts_url&pageSize=100&page=$(( contacts / 200 ))|20"
  "one contact|$base/catalog/contacts/ct_scale_$(printf %07d "$middle_cursor")|10"
)

report="$work/report.md"
{
  echo "### Contacts on a $contacts-contact enterprise (seed --scale $scale)"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, commit $(git rev-parse --short HEAD), load average at start $(cut -d' ' -f1-3 /proc/loadavg), SQLite."
  echo "Seeding took ${seed_seconds%.*} s; one batch of 1 000 upserts took ${batch_ms%.*} ms; server RSS ${rss_kib} KiB."
  echo
  echo "| endpoint | max req/s (closed loop) | p50 / p99 at 80 % (open loop) | target p99 | verdict |"
  echo "|---|---:|---:|---:|---|"
} > "$report"

for entry in "${endpoints[@]}"; do
  label="${entry%%|*}"; rest="${entry#*|}"; url="${rest%|*}"; target="${rest##*|}"
  closed_dirty=0; open_dirty=0
  echo "== $label: $url" >&2
  # A run with errors or unsent requests exits 3: keep going, and say so in the row.
  closed=$("$bench" load --url "$url" -H "Authorization: Bearer $token" --connections 16 --duration "$duration") || closed_dirty=1
  echo "$closed" >&2
  max=$(echo "$closed" | awk '/^throughput/ {print $2}')
  rate=$(echo "$max * 0.8" | bc)
  open=$("$bench" load --url "$url" -H "Authorization: Bearer $token" --connections 16 --duration "$duration" --rate "$rate") || open_dirty=1
  echo "$open" >&2
  p50=$(echo "$open" | grep -o 'p50 [0-9.]* [a-zµ]*' | head -1 | cut -d' ' -f2-)
  p99=$(echo "$open" | grep -o 'p99 [0-9.]* [a-zµ]*' | head -1 | cut -d' ' -f2-)
  p99_ms=$(echo "$p99" | awk '{ v=$1; if ($2=="µs"||$2=="us") v=v/1000; else if ($2=="s") v=v*1000; print v }')
  verdict=$(awk -v v="$p99_ms" -v t="$target" 'BEGIN { print (v < t) ? "PASS" : "FAIL" }')
  if [ "$closed_dirty$open_dirty" != "00" ]; then verdict="$verdict (run had errors or unsent requests: not valid)"; fi
  echo "| $label | ${max%.*} | $p50 / $p99 | < $target ms | $verdict |" >> "$report"
done

cat "$report"
[ -n "$out" ] && cp "$report" "$out"
