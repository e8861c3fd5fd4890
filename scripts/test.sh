#!/usr/bin/env bash
# The test command: starts a real Neo4j (installed from Maven Central by scripts/neo4j.sh) and
# headless Chromium (Debian), runs the whole test suite, and stops Neo4j again.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
mkdir -p test-artifacts

if [ "${KG_SKIP_SERVICES:-}" != "1" ]; then
  bash scripts/install_chromium.sh
  bash scripts/neo4j.sh install
  bash scripts/neo4j.sh start
  trap 'bash scripts/neo4j.sh stop >/dev/null 2>&1 || true' EXIT
  eval "$(bash scripts/neo4j.sh uri | sed 's/^/export /')"
fi

if [ "$#" -eq 0 ]; then
  # the whole suite, and the notebooks run end to end against the demo graph
  set -- --nbmake tests notebooks
fi
"$BIN/python" -m pytest "$@"
