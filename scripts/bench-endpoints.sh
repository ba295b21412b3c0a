#!/usr/bin/env bash
# The endpoint table of issue 17: `sentral-bench table` starts the axum hello-world and
# `sentral serve --demo` and measures every row (reads, one durable write with 8 connections,
# optionally the pinned subscription search) beside the hello-world of the same run.
# Usage: scripts/bench-endpoints.sh [sentral-bench table options]
#   --sentral PATH       the sentral binary to measure (also SENTRAL_BIN=PATH); without it, this
#                        script builds target/release/sentral from the tree and measures that
#   --database-url URL   PostgreSQL: a fresh schema there (psql), dropped afterwards
#   --pin                add the pinned rows (BENCH_SERVER_CPUS / BENCH_LOAD_CPUS, default 0 and 1)
#   --perf SECS          profile the server with perf under the contacts page (before the write row)
#   --duration SECS      per row (default 10), --out FILE, --keep-temp
# Examples:
#   SENTRAL_BIN=/work/bench-bin/sentral-before scripts/bench-endpoints.sh --pin --perf 10
#   scripts/bench-endpoints.sh --database-url postgres://postgres@127.0.0.1:5432/test
# The table (Markdown) goes to stdout; progress to stderr. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

args=("$@")
has() {
  local a
  for a in "${args[@]}"; do [ "$a" = "$1" ] && return 0; done
  return 1
}

target_dir="${CARGO_TARGET_DIR:-target}"
if has --sentral; then
  cargo build --release -p sentral-bench >&2
elif [ -n "${SENTRAL_BIN:-}" ]; then
  cargo build --release -p sentral-bench >&2
  args+=(--sentral "$SENTRAL_BIN")
else
  echo "building release binaries into $target_dir (a few minutes the first time)" >&2
  cargo build --release -p sentral -p sentral-bench >&2
  args+=(--sentral "$target_dir/release/sentral")
fi

if has --perf && ! perf --version > /dev/null 2>&1; then
  echo "perf is missing: installing linux-perf" >&2
  apt-get install -y linux-perf >&2
fi
if (has --pin || [ -n "${BENCH_SERVER_CPUS:-}${BENCH_LOAD_CPUS:-}" ]) && ! command -v taskset > /dev/null; then
  echo "taskset is missing: installing util-linux" >&2
  apt-get install -y util-linux >&2
fi
if has --database-url && ! command -v psql > /dev/null; then
  echo "psql is missing: installing postgresql-client" >&2
  apt-get install -y postgresql-client >&2
fi

exec "$target_dir/release/sentral-bench" table "${args[@]}"
