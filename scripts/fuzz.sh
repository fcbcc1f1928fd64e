#!/usr/bin/env bash
# Runs the cargo-fuzz targets under fuzz/ for a time budget each, one after
# the other, and prints a summary (executions, rate, corpus, crashes).
#
#   scripts/fuzz.sh [-t SECONDS] [TARGET...]
#
# -t SECONDS   budget per target (default 15; FUZZ_SECONDS in the environment
#              also sets it). All targets when none is named.
#
# Each target reads its committed seeds (fuzz/seeds/<target>, never written)
# and grows a local corpus (fuzz/corpus/<target>, git-ignored), so later runs
# start where earlier ones stopped. A crash, panic, failed assertion, leak or
# timeout leaves its input in fuzz/artifacts/<target>/ and makes the script
# exit 1 after the remaining targets ran; logs are in fuzz/target/logs/.
# The summary goes to stdout and, with FUZZ_SUMMARY=<file>, to that file too.
#
# Needs cargo-fuzz (installed with cargo install when missing) and a nightly
# toolchain (the `nightly` one rustup lists; without it, the default toolchain
# with RUSTC_BOOTSTRAP=1, which accepts the same -Z flags).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-15}"
if [ "${1:-}" = "-t" ]; then
  seconds="$2"
  shift 2
fi
case "$seconds" in
  '' | *[!0-9]*) echo "fuzz.sh: -t needs a whole number of seconds" >&2; exit 2 ;;
esac

CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz $CARGO_FUZZ_VERSION (cargo install)"
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  echo "fuzz.sh: no nightly toolchain; using the default one with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo "${toolchain[@]}" fuzz list --fuzz-dir fuzz)
fi

# One build for all targets (release, debug assertions, AddressSanitizer),
# copied aside so that the whole run fuzzes that build even if the tree
# changes meanwhile (`cargo fuzz run` would rebuild before every target).
cargo "${toolchain[@]}" fuzz build --fuzz-dir fuzz
built="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release"
bins="$(mktemp -d fuzz/target/run.XXXXXX)"
trap 'rm -rf "$bins"' EXIT
for target in "${targets[@]}"; do
  cp "$built/$target" "$bins/"
done

logs=fuzz/target/logs
mkdir -p "$logs"
summary="$(printf '%-20s %8s %12s %9s %7s %s\n' target seconds executions 'execs/s' corpus result)"
failed=0
total=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
  log="$logs/$target.log"
  start=$(date +%s)
  status=0
  mkdir -p "fuzz/artifacts/$target"
  "$bins/$target" -artifact_prefix="fuzz/artifacts/$target/" \
    -max_total_time="$seconds" -timeout=60 -print_final_stats=1 \
    "fuzz/corpus/$target" "fuzz/seeds/$target" >"$log" 2>&1 || status=$?
  elapsed=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $status; see $log)"
    failed=1
    grep -E 'panicked at|==ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
  fi
  total=$((total + ${execs:-0}))
  summary+="$(printf '\n%-20s %8s %12s %9s %7s %s' "$target" "$elapsed" "${execs:-?}" "${rate:-?}" "$corpus" "$result")"
done
summary+="$(printf '\n%-20s %8s %12s' total '' "$total")"

echo "$summary"
[ -z "${FUZZ_SUMMARY:-}" ] || echo "$summary" >"$FUZZ_SUMMARY"
exit "$failed"
