#!/usr/bin/env bash
# The web server and the job worker together (make run). Ctrl+C stops both; so does either one ending.
set -u
BIN=${BIN:-.venv/bin}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}

"$BIN/flask" --app wsgi worker &
worker=$!
"$BIN/gunicorn" --bind "$HOST:$PORT" --workers 2 --threads 4 --access-logfile - 'wsgi:app' &
server=$!

stop() {
    # SIGTERM: gunicorn stops; the worker hands its running jobs back to the queue for its next start.
    trap - INT TERM
    kill -TERM "$server" "$worker" 2>/dev/null
    wait "$server" "$worker" 2>/dev/null
}
trap 'stop; exit 130' INT TERM
wait -n "$server" "$worker"
status=$?
stop
exit "$status"
