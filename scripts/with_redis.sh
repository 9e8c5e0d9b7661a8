#!/usr/bin/env bash
# Run a command with a throwaway redis-server (no persistence, its own temp folder) and
# MLSTUDIO_TEST_REDIS_URL pointing at it; the server is stopped afterwards.
#   scripts/with_redis.sh python -m pytest tests/stores/test_online_store.py
# Installs Debian's redis-server when it is missing. Chains with with_postgres.sh.
set -euo pipefail

if ! command -v redis-server >/dev/null 2>&1; then
  echo "installing Debian's redis-server"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi

WORK="$(mktemp -d /tmp/mlstudio-redis.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cleanup() {
  if [ -f "$WORK/redis.pid" ]; then kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

redis-server --port "$PORT" --bind 127.0.0.1 --dir "$WORK" --save "" --appendonly no \
  --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
for _ in $(seq 50); do
  redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$PORT" ping >/dev/null

export MLSTUDIO_TEST_REDIS_URL="redis://127.0.0.1:$PORT/0"
echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) for tests at 127.0.0.1:$PORT"
"$@"
