#!/usr/bin/env bash
# Schema fuzzing of the Telenor and MBN OpenAPI documents: schemathesis generates requests from
# /openapi/telenor.json against a demo server and fails on any 5xx, any status code the document
# does not list, and any response whose content type or body breaks the document.
#
#   scripts/fuzz-openapi.sh                      # quick: 25 examples per operation (CI)
#   scripts/fuzz-openapi.sh --max-examples 1000  # deeper: about 4 minutes
#   FUZZ_SEED=123 scripts/fuzz-openapi.sh        # repeat a run (the seed is printed at its end)
#
# Arguments after `--` go to `st run` unchanged. Needs python3 (venv, pip), curl and cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

schemathesis_version="4.32.5"
max_examples="${FUZZ_MAX_EXAMPLES:-25}"
seed="${FUZZ_SEED:-}"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --max-examples | --hypothesis-max-examples) max_examples="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

venv="$PWD/target/fuzz-venv"
st="$venv/bin/st"
if ! { [ -x "$st" ] && "$st" --version 2>/dev/null | grep -qF "$schemathesis_version"; }; then
  echo "installing schemathesis $schemathesis_version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version" || {
    echo "FAILED: cannot install schemathesis from PyPI (network or proxy?); the fuzzing step needs it" >&2
    exit 1
  }
fi

cargo build --quiet -p sentral
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
sentral="$target_dir/debug/sentral"

data_dir=$(mktemp -d)
server_log="$data_dir/server.log"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [ -n "${FUZZ_KEEP_LOG:-}" ] && cp "$server_log" "$FUZZ_KEEP_LOG" 2>/dev/null
  rm -rf "$data_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# No rate limits: the fuzzer is one fast client and 429s would hide the answers it checks.
"$sentral" serve --demo --data-dir "$data_dir/store" --listen "127.0.0.1:$port" \
  --quota-per-minute 0 --spike-arrest-per-second 0 >"$server_log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "sentral exited before it was ready:" >&2
    cat "$server_log" >&2
    exit 1
  fi
  sleep 0.2
done
curl -fsS "$base/healthz" >/dev/null || { echo "sentral is not healthy at $base" >&2; cat "$server_log" >&2; exit 1; }

token=$(curl -fsS -u demo-client:demo-secret -d grant_type=password -d username=api0000000001 \
  -d password=demo-password "$base/oauth/v2/token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
basic=$(printf '%s' "demo-client:demo-secret" | base64)
# The CSTA interface takes a CSTA session token (login sequence: status token → CSTA token).
status_token=$(curl -fsS -X POST -H "Authorization: Bearer $token" "$base/status/token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["statusToken"])')
csta_token=$(curl -fsS -H "Authorization: Bearer $token" -H 'content-type: application/json' \
  -d "{\"statusToken\": \"$status_token\"}" "$base/csta/authentication/token" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["cstaToken"])')
# The first two orders of a fresh demo world (70000001, 70000002) are the document's examples for
# GET …/orders/{orderId}; placed here, the examples phase reads real orders instead of 404s.
place_order() {
  curl -fsS -o /dev/null -H "Authorization: Bearer $token" -H 'content-type: application/json' \
    -d "$2" "$base$1" || echo "warning: could not place an example order on $1; fuzzing on" >&2
}
place_order /corporate-mobile-subscriptions/v2/orders \
  '{"type":"ADD_PRODUCT","msisdn":"4791000002","productId":300102}'
place_order /corporate-agreements/v2/orders \
  '{"type":"ADD_PRODUCT","agreementId":"10000001","productOfferId":404333,"billingAccountId":"10000001",
    "configurations":[{"id":"queueName","value":"Fuzz"},{"id":"queueNumber","value":"22990001"}]}'

# schemathesis keeps its failures (for `st replay`) in its working directory: keep them in target/.
work_dir="$PWD/target/fuzz-work"
report_dir="$work_dir/report"
mkdir -p "$work_dir"
common=(
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
  --phases examples,coverage,fuzzing # stateless: each request stands alone
  --max-examples "$max_examples"
  --continue-on-failure
  --generation-database none
  --report junit --report-dir "$report_dir"
  --no-color
)
[ -n "$seed" ] && common+=(--seed "$seed")

failed=()
fuzz() {
  local name="$1" document="$2"
  shift 2
  printf '\n== schemathesis: %s (/openapi/%s.json)\n' "$name" "$document"
  (cd "$work_dir" && "$st" run "$base/openapi/$document.json" "${common[@]}" "$@" "${extra[@]}") ||
    failed+=("$name")
}
started=$SECONDS
# Five runs because the operations need different credentials: the resource APIs (Telenor, then
# MBN) a bearer token; the CSTA interface its session token;
# the token endpoint the client's Basic credentials (with a bearer token it would only ever say
# 40010); and logout revokes the bearer token it is given, so it goes last.
fuzz "resource APIs and the authorisation page (bearer token)" telenor \
  -H "Authorization: Bearer $token" \
  --exclude-path /oauth/v2/token --exclude-path /oauth/v2/logout
fuzz "MBN Catalog and User APIs (machine user)" mbn \
  -H "Authorization: Bearer $token"
fuzz "MBN CSTA interface (CSTA session token)" mbn \
  -H "Authorization: Bearer $csta_token" \
  --include-path-regex '^/csta/' --exclude-path /csta/authentication/token
fuzz "token endpoint (client Basic credentials)" telenor \
  -H "Authorization: Basic $basic" --include-path /oauth/v2/token
fuzz "logout (revokes the bearer token)" telenor \
  -H "Authorization: Bearer $token" --include-path /oauth/v2/logout

if grep -q "panicked" "$server_log"; then
  echo "sentral panicked during the run:" >&2
  grep -A5 "panicked" "$server_log" >&2
  failed+=("server panic")
fi

echo
if [ ${#failed[@]} -gt 0 ]; then
  printf 'FUZZING FAILED (%s s) in: %s\n' "$((SECONDS - started))" "$(IFS=';'; echo "${failed[*]}")" >&2
  cat >&2 <<EOF
What to do next:
  - each failure above has a curl command that reproduces it; run 'cargo run -- serve --demo' and try it
  - 5xx: fix the handler or the service (errors must map to a 4xx in the Telenor envelope)
  - undocumented status or schema mismatch: fix the #[utoipa::path] responses(...) or the response,
    whichever is wrong, then 'cargo run -p sentral -- openapi --out openapi' and
    'cargo run -p sentral -- coverage --out docs/coverage.md'
  - repeat the same run with FUZZ_SEED=<the seed printed above> $0
  - or replay the failures against a running 'serve --demo':
    (cd target/fuzz-work && ../fuzz-venv/bin/st replay --url http://127.0.0.1:8080 \\
       --schema-location http://127.0.0.1:8080/openapi/telenor.json)
  - JUnit reports: $report_dir/
EOF
  exit 1
fi
echo "fuzzing passed in $((SECONDS - started)) s ($max_examples examples per operation)"
