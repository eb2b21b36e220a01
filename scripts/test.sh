#!/usr/bin/env bash
# The README's test command (`make test`): system packages, Python packages, the Elasticsearch
# stand-in, then pytest. Exits non-zero on any failure, including "no tests collected".
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"

bash scripts/install-system-deps.sh
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" || { echo "python3 -m venv failed: on Debian run apt-get install python3-venv" >&2; exit 1; }
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e '.[dev]'

started_here=0
if ! curl -sf http://127.0.0.1:9200/_cluster/health >/dev/null 2>&1; then
  VENV="$VENV" bash scripts/es-standin.sh up
  started_here=1
fi
cleanup() { [ "$started_here" = 1 ] && VENV="$VENV" bash scripts/es-standin.sh down; }
trap cleanup EXIT

export VIGIL_TEST_ES_URL="${VIGIL_TEST_ES_URL:-http://127.0.0.1:9200}"
export PATH="$PWD/$VENV/bin:$PATH"
set +e
"$VENV/bin/python" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit "$status"
