#!/usr/bin/env bash
# Runs a command with a scratch PostgreSQL server: initdb into a temporary
# folder, start it on a free loopback port, export its URL as
# TEST_POSTGRES_URL, run the command, then stop the server and
# delete the folder, whatever the command's outcome.
#
#   scripts/with-postgres.sh cargo test -p server --test integration postgres
#
# SCRATCH_PG_SETTINGS adds server settings, as a deployment would tune them:
# the benchmarks at a million people run with
#   SCRATCH_PG_SETTINGS="-c shared_buffers=2GB"
# (the default 128 MB holds a tenth of the people table).
set -euo pipefail

find_pg_bin() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"; return
  fi
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  echo "PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql" >&2
  exit 1
}

PG_BIN="$(find_pg_bin)"
PG_DIR="$(mktemp -d "${TMPDIR:-/tmp}/accord-pg.XXXXXX")"
PG_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"

# initdb refuses to run as root: run the server as the postgres user then.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap cleanup EXIT INT TERM

as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c max_connections=300 ${SCRATCH_PG_SETTINGS:-}" start >/dev/null

export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
echo "PostgreSQL scratch server on 127.0.0.1:$PG_PORT" >&2
set +e
"$@"
status=$?
set -e
exit $status
