#!/usr/bin/env bash
# The whole suite on SQLite, then again on a throwaway PostgreSQL server. The scale tests (a million
# events, marker `scale`) and the agent's own tests (tests/agent: no database) run once, on SQLite;
# extra arguments go to both runs of pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
echo "== Test suite on SQLite"
scripts/pytest.sh "$@"
echo "== SQLite: $((SECONDS - start)) s"
start=$SECONDS
echo "== Test suite on PostgreSQL (without the scale and agent tests, which ran on SQLite)"
scripts/with-postgres.sh scripts/pytest.sh -m "not scale" --ignore=tests/agent "$@"
echo "== PostgreSQL: $((SECONDS - start)) s"
