#!/usr/bin/env bash
# Accord's whole test run, on a fresh machine or a developer's:
#   - installs what the tests need (build tools, Chromium, Playwright client);
#   - formatting, clippy per package and target (-D warnings);
#   - checks that the WASM bundle's dependency tree holds no server crate;
#   - builds the release site (cargo leptos, wasm-opt);
#   - unit, storage-contract and server integration tests, on SQLite and on
#     a scratch PostgreSQL started here on a free loopback port;
#   - browser tests in headless Chromium, with and without JavaScript, and
#     across two instances on one PostgreSQL.
# Ends with one line "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
LOGS=target/test-logs
mkdir -p "$LOGS"
passed=0
failed=0
failures=()
started=$(date +%s)

record() { # name, exit status
  if [ "$2" = 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$1")
  fi
}

# A check that counts as one test.
check() {
  local name="$1"
  shift
  say "$name"
  "$@"
  record "$name" $?
}

# Adds up cargo's "test result: … N passed; M failed" lines.
count_cargo_tests() { # log file, exit status
  local p f
  p=$(grep -Eo '[0-9]+ passed' "$1" | awk '{s+=$1} END {print s+0}')
  f=$(grep -Eo '[0-9]+ failed' "$1" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$f" -gt 0 ]; then failures+=("cargo tests ($f)"); fi
  if [ "$2" != 0 ] && [ "$f" = 0 ]; then
    failed=$((failed + 1))
    failures+=("cargo test did not complete (see $1)")
  fi
}

say "setting up (idempotent)"
ensure_rust_tools || { echo "setup failed: build tools" >&2; exit 1; }
ensure_chromium || { echo "setup failed: Chromium" >&2; exit 1; }
ensure_playwright || { echo "setup failed: Playwright client" >&2; exit 1; }

check "cargo fmt --check" cargo fmt --all --check
check "clippy: app (ssr) and server, all targets" \
  cargo clippy -p app -p server --all-targets -- -D warnings
check "clippy: app (hydrate) and frontend, wasm32" \
  cargo clippy -p app -p frontend --target wasm32-unknown-unknown -- -D warnings

wasm_has_no_server_crates() {
  local leaked
  leaked=$(cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none \
    | awk '{print $1}' | sort -u | grep -E '^(sqlx.*|tokio|axum.*|leptos_axum|tower-http|hyper|libsqlite3-sys)$')
  if [ -n "$leaked" ]; then
    echo "server-side crates in the WASM build: $leaked" >&2
    return 1
  fi
}
check "WASM dependency tree has no sqlx or server crate" wasm_has_no_server_crates

say "building the release site (cargo leptos build --release)"
if cargo leptos build --release >"$LOGS/site-build.log" 2>&1; then
  record "release build" 0
  site_built=1
else
  tail -40 "$LOGS/site-build.log" >&2
  record "release build" 1
  site_built=0
fi

# The browser bundle's budget (BENCHMARKS.md): the one WASM module holds
# the islands (`#[island]` components) and nothing else, and the heaviest
# page, the pipeline board, must stay within 10 % of the shell's 250 KB
# baseline: 275 KB gzipped.
wasm_within_budget() {
  local budget=$((275 * 1024)) f main
  main=$(gzip -9c target/site/pkg/accord.wasm | wc -c)
  for f in target/site/pkg/*.wasm; do
    printf '  %-60s %7d B raw %7d B gzip\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
  done
  if [ "$main" -gt "$budget" ]; then
    echo "WASM module is $main B gzipped, over the $budget B budget" >&2
    return 1
  fi
}
if [ "$site_built" = 1 ]; then
  check "WASM module within 275 KB gzipped" wasm_within_budget
fi

# The same LEPTOS_* values cargo-leptos compiled the server with, so the
# test build reuses its artifacts instead of recompiling Leptos.
export LEPTOS_OUTPUT_NAME=accord LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
  LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend \
  LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=true LEPTOS_HASH_FILES=false

say "unit, storage contract and integration tests (SQLite and PostgreSQL)"
# `timeout`: a hung test must fail the run, not stall CI until its limit.
timeout --signal=TERM 30m scripts/with-postgres.sh cargo test --release --no-fail-fast -p app -p server 2>&1 \
  | tee "$LOGS/cargo-test.log"
count_cargo_tests "$LOGS/cargo-test.log" "${PIPESTATUS[0]}"

if [ "$site_built" = 1 ]; then
  say "browser tests (headless Chromium; with and without JavaScript)"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  data=$(mktemp -d "${TMPDIR:-/tmp}/accord-e2e.XXXXXX")
  (
    cd end2end
    # Under a scratch PostgreSQL: the cluster spec starts two instances on
    # it (the other specs use one instance on SQLite).
    E2E_PORT=$port E2E_DATA="$data" E2E_REQUIRE_POSTGRES=1 E2E_ACCORD_BIN="$PWD/../target/release/accord" \
      timeout --signal=TERM 20m ../scripts/with-postgres.sh npx playwright test
  )
  e2e_status=$?
  rm -rf "$data"
  results=end2end/test-results/results.json
  if [ -f "$results" ]; then
    read -r p f < <(node -e '
      const s = require(process.argv[1]).stats;
      console.log(s.expected, s.unexpected + s.flaky);' "$PWD/$results")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then failures+=("browser tests ($f)"); fi
    if [ "$e2e_status" != 0 ] && [ "$f" = 0 ]; then record "browser tests did not complete" 1; fi
  else
    record "browser tests produced no results" 1
  fi
fi

elapsed=$(($(date +%s) - started))
echo
if [ "$failed" -gt 0 ]; then
  echo "Failed: ${failures[*]}"
fi
echo "Took $((elapsed / 60)) min $((elapsed % 60)) s."
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
