#!/usr/bin/env bash
# Builds Accord (installing the build tools if missing) and serves it on
# http://127.0.0.1:3000 with the SQLite database ./data/accord.db, created
# and migrated on first start. Settings: see the README (DATABASE_URL…).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/toolchain.sh

ensure_rust_tools
say "building (release)"
cargo leptos build --release
say "starting accord"
exec target/release/accord "$@"
