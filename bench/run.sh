#!/usr/bin/env bash
# Builds the benchmark program in release mode and runs it: the table goes to stdout
# and to BENCHMARKS.md. Sizes come from the environment (see README.md); for a quick
# smoke run:  BENCH_STREAM_MB=64 BENCH_ARCHIVE_MB=64 BENCH_CALLS=200 BENCH_ONLY=percall,stream bench/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/../target/bench}"
# `bench/run.sh lock`: bring bench/Cargo.lock and the build programs' locks up to date
# with the workspace (after a crate the bench uses changed its dependencies), then commit
# them. Compiles nothing.
if [ "${1:-}" = lock ]; then
    for manifest in "$here/Cargo.toml" "$here"/build/*/Cargo.toml; do
        cargo metadata --format-version 1 --manifest-path "$manifest" >/dev/null
    done
    exit 0
fi
# The program is built niced, like every build on a shared machine; it runs at normal priority.
nice -n 15 cargo build --release --locked --quiet --manifest-path "$here/Cargo.toml"
exec "$CARGO_TARGET_DIR/release/bench" "$@"
