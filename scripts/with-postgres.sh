#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on a free loopback port, runs the given command with
# TEST_DATABASE_URL and BROWSER_DATABASE_URL pointing at two fresh databases, then removes it all.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
PGBASE=$(mktemp -d /tmp/webconsole-pg.XXXXXX)
RUN=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$PGBASE"
  RUN=(runuser -u postgres --)
fi
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  "${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGBASE/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGBASE"
}
trap cleanup EXIT
"${RUN[@]}" "$PGBIN/initdb" -D "$PGBASE/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
"${RUN[@]}" "$PGBIN/pg_ctl" -D "$PGBASE/data" -l "$PGBASE/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGBASE -c fsync=off -c synchronous_commit=off" start >/dev/null
for name in webconsole_test webconsole_browser; do
  "${RUN[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$name"
done
export TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/webconsole_test"
export BROWSER_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/webconsole_browser"
echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
"$@"
