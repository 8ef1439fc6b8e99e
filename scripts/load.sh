#!/usr/bin/env bash
# Realtime load run against separately started release servers: server-only CPU and RSS.
#
#   scripts/load.sh SUBSCRIBERS RATE_PER_S SECONDS            one instance, SQLite, in-process bus
#   INSTANCES=2 scripts/load.sh 1000 10 10                     two instances on Postgres + Redis:
#                                                              subscribers on A, writes on B
#   SPREAD=1 INSTANCES=2 scripts/load.sh 1000 10 10            subscribers and writes over both
# Environment: DATABASE_URL / REDIS_URL for the servers (INSTANCES=2 defaults them to the
# machine's Postgres and Redis, on a fresh database), LOAD_MODE / LOAD_UNRELATED for the tool
# (see examples/load.rs), TARGET_DIR for the cargo target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR=${TARGET_DIR:-target}
INSTANCES=${INSTANCES:-1}
CARGO_TARGET_DIR=$TARGET_DIR cargo build --release --bin adbridge --example load >&2
ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
if [ "$INSTANCES" -gt 1 ]; then
  db="adbridge_load_$$"
  psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE DATABASE $db" >&2
  export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$db}
  export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
else
  export DATABASE_URL=${DATABASE_URL:-sqlite://$work/load.db?mode=rwc}
fi
export ADBRIDGE_WRITES_PER_MINUTE=1000000 ADBRIDGE_LOGIN_PER_MINUTE=1000000 ADBRIDGE_ARGON2_MEMORY_KIB=1024 RUST_LOG=${RUST_LOG:-warn}
for i in $(seq 1 "$INSTANCES"); do
  port=$((8100 + i))
  "$TARGET_DIR/release/adbridge" --listen "127.0.0.1:$port" serve >"$work/server$i.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 "$INSTANCES"); do
  until curl -sf "http://127.0.0.1:$((8100 + i))/healthz" >/dev/null; do sleep 0.2; done
done
export LOAD_URL=http://127.0.0.1:8101 LOAD_SERVER_PID=${pids[0]}
if [ "$INSTANCES" -gt 1 ]; then
  if [ "${SPREAD:-0}" = 1 ]; then
    # Subscribers and writes spread over both instances (half of each event's deliveries cross Redis).
    export LOAD_URL=http://127.0.0.1:8101,http://127.0.0.1:8102 LOAD_WRITE_URL=http://127.0.0.1:8101,http://127.0.0.1:8102
  else
    # Every subscriber on A, every write on B: every delivery crosses Redis.
    export LOAD_WRITE_URL=http://127.0.0.1:8102
  fi
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; instances: $INSTANCES; database: ${DATABASE_URL%%:*}; bus: ${REDIS_URL:+redis}${REDIS_URL:-in-process}" >&2
status=0
"$TARGET_DIR/release/examples/load" "$@" || status=$?
if [ "$INSTANCES" -gt 1 ]; then
  kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; pids=()
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS $db" >&2 || true
fi
exit $status
