#!/usr/bin/env bash
# The whole suite on SQLite, then again on a throwaway PostgreSQL server. The scale tests (a million
# events, marker `scale`) run once, on SQLite; extra arguments go to both runs of pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
echo "== Test suite on SQLite"
scripts/pytest.sh "$@"
echo "== SQLite: $((SECONDS - start)) s"
start=$SECONDS
echo "== Test suite on PostgreSQL (without the scale tests, which ran on SQLite)"
scripts/with-postgres.sh scripts/pytest.sh -m "not scale" "$@"
echo "== PostgreSQL: $((SECONDS - start)) s"
