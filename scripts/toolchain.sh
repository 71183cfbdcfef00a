# Installs what building Accord needs, when it is missing. Sourced by
# scripts/run.sh and scripts/test.sh; safe to run any number of times.
#
# Versions are pinned on purpose (see shared build notes):
# - cargo-leptos 0.3.10: 0.3.11 does not build on Rust 1.95;
# - wasm-bindgen CLI: must equal the wasm-bindgen crate in Cargo.lock;
# - wasm-opt from npm's binaryen 132: Debian's 108 is too old for the WASM
#   current rustc emits.
# cargo-leptos would otherwise download wasm-bindgen and wasm-opt itself,
# which fails on machines without general internet access.

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132
# Tools that live outside the clone, so that a CI cache or a second clone
# reuses them.
DEV_TOOLS_DIR="${DEV_TOOLS_DIR:-$HOME/.cache/accord/tools}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_rust_tools() {
  export PATH="$HOME/.cargo/bin:$DEV_TOOLS_DIR/node_modules/.bin:$PATH"

  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi

  if ! cargo leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION\$"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes, once)"
    # It only orchestrates builds: a lighter optimisation level halves the
    # install time and costs nothing noticeable at run time.
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false \
      CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --force
  fi

  local wbg
  wbg="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
  if [ -z "$wbg" ]; then
    echo "cannot read the wasm-bindgen version from Cargo.lock" >&2
    return 1
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg\$"; then
    say "installing wasm-bindgen-cli $wbg (matches Cargo.lock)"
    # --locked is tried first; for some releases its lock file names a
    # crate version the registry no longer serves, then we resolve afresh.
    cargo install wasm-bindgen-cli --version "$wbg" --locked --force \
      || cargo install wasm-bindgen-cli --version "$wbg" --force
  fi

  if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION\b"; then
    say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
    mkdir -p "$DEV_TOOLS_DIR"
    npm install --no-audit --no-fund --prefix "$DEV_TOOLS_DIR" "binaryen@$BINARYEN_VERSION" >/dev/null
  fi
}

ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then return; fi
  if ! [ -x /usr/bin/chromium ]; then
    say "installing Chromium (Debian package) for the browser tests"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
  fi
  export CHROMIUM_PATH=/usr/bin/chromium
}

ensure_playwright() {
  # npm ci is quick from npm's cache and guarantees the locked versions.
  say "installing the Playwright client (npm ci)"
  (cd end2end && npm ci --no-audit --no-fund >/dev/null)
}
