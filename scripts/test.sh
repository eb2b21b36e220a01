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

# The stand-in on its own port (scripts/es-standin.sh), unless VIGIL_TEST_ES_URL names a server to use.
started_here=0
if [ -z "${VIGIL_TEST_ES_URL:-}" ]; then
  VENV="$VENV" bash scripts/es-standin.sh up
  started_here=1
  VIGIL_TEST_ES_URL="$(bash scripts/es-standin.sh url)"
fi
cleanup() { if [ "$started_here" = 1 ]; then VENV="$VENV" bash scripts/es-standin.sh down; fi; }
trap cleanup EXIT

export VIGIL_TEST_ES_URL
export PATH="$PWD/$VENV/bin:$PATH"
set +e
"$VENV/bin/python" -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit "$status"
