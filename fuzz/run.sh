#!/usr/bin/env bash
# Builds and runs the parse_verify fuzz target on the stable toolchain for N seconds.
#
#   fuzz/run.sh [SECONDS] [EXTRA LIBFUZZER ARGS...]     (default: 20 seconds)
#
# Installs cargo-fuzz from crates.io when it is missing; needs a C++ compiler (g++) for
# libFuzzer itself. Exits non-zero when the fuzzer finds a crash, a panic, a timeout (10 s
# per input) or an out-of-memory; the input is saved under fuzz/artifacts/parse_verify/.
set -euo pipefail

seconds="${1:-20}"
shift || true
case "$seconds" in
'' | *[!0-9]*)
    echo "usage: $0 [SECONDS] [EXTRA LIBFUZZER ARGS...]" >&2
    exit 2
    ;;
esac

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$fuzz_dir")"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "run.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

cd "$root"
# The lock file is committed: a build that would change it means it is stale.
if ! cargo metadata --locked --format-version 1 --manifest-path "$fuzz_dir/Cargo.toml" >/dev/null; then
    echo "run.sh: fuzz/Cargo.lock is stale; update it with" \
        "'cargo update --manifest-path fuzz/Cargo.toml -p passgate' and commit it" >&2
    exit 2
fi
corpus="$fuzz_dir/corpus/parse_verify"
mkdir -p "$corpus"

# `-s none`: no sanitizer, which is what lets cargo-fuzz build on stable Rust (the Rust code
# is memory-safe; the fuzzer looks for panics, failed assertions, hangs and memory blow-ups).
# `-a`: debug assertions and overflow checks on, in an optimised build.
cargo fuzz build -s none -a parse_verify
# The first corpus directory receives new inputs; the seeds are only read.
cargo fuzz run -s none -a parse_verify "$corpus" "$fuzz_dir/seeds/parse_verify" -- \
    -max_total_time="$seconds" \
    -max_len=1024 \
    -timeout=10 \
    -dict="$fuzz_dir/parse_verify.dict" \
    -print_final_stats=1 \
    "$@"
