#!/usr/bin/env bash
# Start or stop the Elasticsearch-compatible stand-in (noida-db) used by the Elasticsearch backend tests.
# usage: scripts/es-standin.sh up|down   (data under .ci/noida, HTTP on 127.0.0.1:9200)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${VENV:-.venv}/bin/noida-db"
DATA="$PWD/.ci/noida"
case "${1:-}" in
  up)
    if curl -sf http://127.0.0.1:9200/_cluster/health >/dev/null 2>&1; then
      echo "Elasticsearch stand-in already answering on 127.0.0.1:9200"; exit 0
    fi
    rm -rf "$DATA"
    "$BIN" up --only elasticsearch --host 127.0.0.1 --data-dir "$DATA" >/dev/null 2>&1
    timeout 30 bash -c 'until curl -sf http://127.0.0.1:9200/_cluster/health >/dev/null; do sleep 0.2; done'
    echo "Elasticsearch stand-in up on 127.0.0.1:9200"
    ;;
  down)
    [ -d "$DATA" ] && "$BIN" down --data-dir "$DATA" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
