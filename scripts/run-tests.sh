#!/usr/bin/env bash
# The whole suite on SQLite, then again on a throwaway PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== Test suite on SQLite"
scripts/pytest.sh
echo "== Test suite on PostgreSQL"
scripts/with-postgres.sh scripts/pytest.sh
