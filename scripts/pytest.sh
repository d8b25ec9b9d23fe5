#!/usr/bin/env bash
# Runs the suite on as many workers as the machine has cores (at most 4; pytest-xdist, a file per worker
# at a time, each worker on a database of its own: tests/databases.py). PYTEST_WORKERS=0 runs it in one
# process. Pytest's exit 5 ("no tests collected") is reported as a failure, never a pass.
set -uo pipefail
cd "$(dirname "$0")/.."
workers=${PYTEST_WORKERS:-auto}
parallel=()
if [ "$workers" != "0" ]; then
  parallel=(--numprocesses "$workers" --maxprocesses 4 --dist loadfile)
fi
.venv/bin/python -m pytest "${parallel[@]}" "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure" >&2
  exit 1
fi
exit $status
