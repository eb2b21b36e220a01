#!/usr/bin/env bash
# Start or stop the Elasticsearch-compatible stand-in (noida-db) used by the Elasticsearch backend tests.
# usage: scripts/es-standin.sh up|down|url
# It listens on its own port (VIGIL_STANDIN_PORT, default 9250: not 9200, where a real cluster or
# someone else's server may be) with its data under .ci/noida (VIGIL_STANDIN_DATA). A server already
# answering on that port that this script did not start is refused, never reused: tests must not
# write into, or drop indices of, a cluster they do not own. `down` stops only the stand-in it started.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin/noida-db"
PORT="${VIGIL_STANDIN_PORT:-9250}"
DATA="${VIGIL_STANDIN_DATA:-$PWD/.ci/noida}"
URL="http://127.0.0.1:$PORT"

ours() {  # the stand-in started with this data directory is the one serving $PORT
  [ -d "$DATA" ] && "$BIN" status --data-dir "$DATA" 2>/dev/null | grep -qE "elasticsearch +$URL( |\$)"
}
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

case "${1:-}" in
  up)
    if ours; then echo "Elasticsearch stand-in already up on $URL (started by this script)"; exit 0; fi
    if port_taken; then
      echo "port $PORT is in use by a server this script did not start; refusing to use it for tests" \
        "(stop it, or choose another port: VIGIL_STANDIN_PORT=N $0 up)" >&2
      exit 1
    fi
    rm -rf "$DATA"
    "$BIN" up --only elasticsearch --host 127.0.0.1 --elasticsearch-port "$PORT" --data-dir "$DATA" >/dev/null 2>&1
    timeout 30 bash -c "until curl -sf $URL/_cluster/health >/dev/null; do sleep 0.2; done"
    echo "Elasticsearch stand-in up on $URL"
    ;;
  down)
    if ours; then "$BIN" down --data-dir "$DATA" >/dev/null 2>&1; echo "Elasticsearch stand-in on $URL stopped"; fi
    ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 up|down|url" >&2; exit 2 ;;
esac
