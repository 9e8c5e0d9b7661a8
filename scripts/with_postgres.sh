#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server and MLSTUDIO_TEST_POSTGRES_URI pointing
# at it; the server and its data folder are removed afterwards.
#   scripts/with_postgres.sh python -m pytest tests/core
# Installs Debian's postgresql when no server binaries are found.
set -euo pipefail

find_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
BINDIR="$(find_bindir || true)"
if [ -z "$BINDIR" ] || [ ! -x "$BINDIR/initdb" ]; then
  echo "installing Debian's postgresql"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  BINDIR="$(find_bindir)"
fi

WORK="$(mktemp -d /tmp/mlstudio-pg.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# PostgreSQL refuses to run as root: run it as the postgres user when we are root.
if [ "$(id -u)" = 0 ]; then
  chown postgres "$WORK"
  AS_PG=(runuser -u postgres --)
else
  AS_PG=()
fi
cleanup() {
  "${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"${AS_PG[@]}" "$BINDIR/initdb" -D "$WORK/data" -U mlstudio --auth=trust >/dev/null
"${AS_PG[@]}" "$BINDIR/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"${AS_PG[@]}" "$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U mlstudio mlstudio_test

export MLSTUDIO_TEST_POSTGRES_URI="postgresql+psycopg://mlstudio@127.0.0.1:$PORT/mlstudio_test"
echo "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') for tests at 127.0.0.1:$PORT"
"$@"
