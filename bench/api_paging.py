"""The REST API's paging over HTTP: py42's users.get_all(), devices.get_all() and a file-event search.

    PYTHONPATH=. .venv/bin/python bench/api_paging.py [--users 100000] [--devices 200000] [--events N]
                                                      [--demo-events 1000000]
                                                      [--db PATH]

Builds a SQLite database with the demo loader at that scale (in a temporary folder, removed at the end;
or --db, kept and reused when it already holds data; events past --demo-events are copies of the demo's,
made in SQL by bench/grow_events.py: 10 M in about 15 minutes instead of most of an hour), serves it with
gunicorn (one worker, four threads)
and signs in as the demo admin with the real py42 (`py42.sdk.from_local_account`). Then:

1. users and devices: every page of `sdk.users.get_all()` and `sdk.devices.get_all()` (500 rows, one HTTP
   call each) is timed around the generator's next(); the raw limit of the same run is the listing's
   keyset page statement run in-process for the same pages (`catalog.USERS.page(actor, params, limit=500,
   after=...)`, rows only, no count, no JSON). The pages are walked twice in turn, HTTP then raw then
   HTTP then raw, so the machine's changing load weighs on both alike.
2. file events: every page of the v2 search code42cli sends (`@timestamp ON_OR_AFTER` 30 days ago, srtKey
   @timestamp asc, pgSize 10000, pgToken paging) through `sdk.securitydata.search_all_file_events`, and the
   same pages' raw SQL (the search's keyset statement, in-process).
3. walk-forward: the deepest page of users and of devices asked of a freshly restarted server, which does
   not know where page N-1 ended and walks the keys forward from page 1.

Beside each py42 call's time (the HTTP round trip, and py42 reading the previous page's JSON) stands the
server's own time of the same requests, from gunicorn's access log. Prints Markdown tables; paste them into
docs/benchmarks.md.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

import py42.sdk  # noqa: E402
from backup import free_port  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from grow_events import grow_events  # noqa: E402
from py42.sdk.queries.fileevents.v2 import FileEventQuery  # noqa: E402
from py42.sdk.queries.fileevents.v2.filters.timestamp import Timestamp  # noqa: E402
from sqlalchemy import event, select  # noqa: E402
from timing import p95  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo.data import database_is_empty, load_demo  # noqa: E402
from webconsole.domain import event_query  # noqa: E402
from webconsole.domain.listings import catalog  # noqa: E402
from webconsole.domain.listings.engine import end_read  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import User  # noqa: E402
from webconsole.store import name_search  # noqa: E402
from webconsole.store.database import refresh_statistics  # noqa: E402

PASSWORD = "bench-password"
ADMIN = "admin@example.com"
PAGE_SIZE = 500  # py42's page (settings.items_per_page)
EVENT_PAGE = 10_000  # code42cli's pgSize
DEMO_EVENTS = 1_000_000  # made one by one by the demo loader (224 s here); beyond, copied in SQL
EVENTS_PATH = "/forensic-search/queryservice/api/v2/fileevent"
# py42 1.29 marks its Incydr parts (file events among them) as deprecated, on every call.
warnings.filterwarnings("ignore", "Incydr functionality is deprecated", DeprecationWarning)


def _app(url):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY", "TESTING": False})


def build(url, users, devices, events, demo_events=DEMO_EVENTS):
    """The app over `url`, loaded with the demo at this scale unless it already holds data: at most
    `demo_events` events made by the demo loader, the rest copies of them (bench/grow_events.py)."""
    app = _app(url)
    with app.app_context():
        upgrade()
        if database_is_empty():
            started = time.perf_counter()
            made = min(events, demo_events)
            load_demo(PASSWORD, users=users, devices=devices, events=made)
            print(f"loaded {users} users, {devices} devices, {made} events in "
                  f"{time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
            # The demo loader stores events past the file-name index: catch it up, as bulk imports do.
            name_search.index_new_events()
            db.session.commit()
        grow_events(events)
        refresh_statistics()  # as `flask setup` does on every start
    return app


def start_server(url, port, log, access):
    """gunicorn serving `url` on `port` (one worker, four threads), once it answers; each request's path and
    server time (microseconds) logged to `access`."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "PYTHONPATH": ROOT}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "--threads", "4", "--access-logfile", access, "--access-logformat", "%(U)s %(D)s",
                                "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/auth/signin", timeout=5).close()
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the console did not start")


def stop_server(process):
    process.terminate()
    process.wait(timeout=60)


def sign_in(base):
    """py42 signed in as the demo admin (its first call authenticates)."""
    sdk = py42.sdk.from_local_account(base, ADMIN, PASSWORD)
    sdk.users.get_current()
    return sdk


def http_pages(pages, key):
    """(ms of each call, rows) of a py42 generator of pages: each next() is one HTTP call."""
    times, rows, pages = [], 0, iter(pages)
    while True:
        started = time.perf_counter()
        try:
            page = next(pages)
        except StopIteration:
            return times, rows
        times.append((time.perf_counter() - started) * 1000)
        rows += len(page[key])


def raw_listing_pages(listing, actor, params, size=PAGE_SIZE):
    """(ms of each page, rows): the listing's keyset page statement for every page, in-process."""
    times, rows, after = [], 0, None
    while True:
        started = time.perf_counter()
        page = listing.page(actor, params, limit=size, after=after)
        times.append((time.perf_counter() - started) * 1000)
        end_read()
        rows += len(page.rows)
        if page.next is None:
            return times, rows
        after = page.next


def event_query_30_days():
    """code42cli's query: @timestamp on or after 30 days ago, oldest first, 10 000 events a page."""
    query = FileEventQuery.all(Timestamp.on_or_after(datetime.now(timezone.utc) - timedelta(days=30)))
    query.page_size, query.sort_key, query.sort_direction = EVENT_PAGE, "@timestamp", "asc"
    return query


def http_event_pages(sdk, query):
    """(ms of each call, rows, the page tokens asked for) of the search paged by pgToken."""
    times, rows, tokens, token = [], 0, [], ""
    while True:
        tokens.append(token)
        started = time.perf_counter()
        answer = sdk.securitydata.search_all_file_events(query, page_token=token)
        times.append((time.perf_counter() - started) * 1000)
        rows += len(answer["fileEvents"])
        token = answer["nextPgToken"]
        if not token:
            return times, rows, tokens


def raw_event_pages(actor, body, tokens):
    """(ms of each page, rows): each page's SELECT as the search issues it (caught on its way to SQLite, the
    search run untimed), run again on the bare sqlite3 connection and fetched whole."""
    query, caught = event_query.parse(body), []

    def catch(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM file_events" in statement and "LIMIT" in statement and "count(" not in statement:
            caught.append((statement, parameters))

    times, rows = [], 0
    event.listen(db.engine, "before_cursor_execute", catch)
    try:
        for token in tokens:
            caught.clear()
            event_query.search(actor, query, page_token=token or None)
            [(statement, parameters)] = caught
            cursor = db.session.connection().connection.dbapi_connection.cursor()
            started = time.perf_counter()
            found = cursor.execute(statement, parameters).fetchall()
            times.append((time.perf_counter() - started) * 1000)
            cursor.close()
            rows += min(len(found), EVENT_PAGE)  # the search reads one row past the page, to know there is more
            end_read()
    finally:
        event.remove(db.engine, "before_cursor_execute", catch)
    return times, rows


def server_times(access, path, count):
    """ms the server took over the last `count` requests of `path`, from gunicorn's access log (a request's
    line is written once its answer is sent, so the last may lag a moment)."""
    deadline = time.monotonic() + 10
    while True:
        with open(access) as lines:
            found = [int(ms) / 1000 for at, ms in (line.split() for line in lines) if at == path]
        if len(found) >= count or time.monotonic() > deadline:
            return found[-count:]
        time.sleep(0.05)


def summary(times):
    ordered = sorted(times)
    return statistics.median(ordered), p95(ordered), ordered[-1]


def row(label, http, server, raw):
    """A Markdown row: pages, rows, py42's call median/p95/max, the server's median/p95, raw median/p95/max, and
    the ratios of the call's median and p95 to the raw page's."""
    (h_times, h_rows), (r_times, r_rows) = http, raw
    assert h_rows == r_rows, f"{label}: {h_rows} rows over HTTP, {r_rows} by the raw pages"
    h, s, r = summary(h_times), summary(server), summary(r_times)
    return (f"| {label} | {len(h_times)} | {h_rows:,} | {h[0]:.1f} | {h[1]:.1f} | {h[2]:.1f} | {s[0]:.1f} | "
            f"{s[1]:.1f} | {r[0]:.1f} | {r[1]:.1f} | {r[2]:.1f} | × {h[0] / r[0]:.1f} | × {h[1] / r[1]:.1f} |")


HEADER = ("| pages of | HTTP calls | rows | py42 call median ms | p95 ms | max ms | server median ms | server p95 ms "
          "| raw SQL median ms | raw p95 ms | raw max ms | call ÷ raw (median) | call ÷ raw (p95) |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def walk_forward(url, port, log, access, server, sdk_pages, restarts):
    """For each of `restarts` fresh servers: ms of the deepest page of users and of devices asked first (the
    walk forward from page 1), then of the same page again (its previous page now known)."""
    results = {name: ([], []) for name in sdk_pages}
    for _ in range(restarts):
        stop_server(server)
        server = start_server(url, port, log, access)
        sdk = sign_in(f"http://127.0.0.1:{port}")
        for name, (deepest, get_page) in sdk_pages.items():
            for samples in results[name]:
                started = time.perf_counter()
                get_page(sdk, deepest)
                samples.append((time.perf_counter() - started) * 1000)
    return server, results


def load():
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--demo-events", type=int, default=DEMO_EVENTS,
                        help="events the demo loader makes; the rest up to --events are copies of them")
    parser.add_argument("--db", help="a SQLite file to keep (built on first use; default: a temporary one)")
    parser.add_argument("--rounds", type=int, default=2, help="walks of every page, HTTP and raw in turn")
    parser.add_argument("--restarts", type=int, default=3, help="fresh servers asked the deepest page")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-api-")
    server = None
    try:
        path = os.path.abspath(args.db) if args.db else os.path.join(work, "console.db")
        url = f"sqlite:///{path}"
        app = build(url, args.users, args.devices, args.events, args.demo_events)
        log, access = open(os.path.join(work, "console.log"), "ab"), os.path.join(work, "access.log")
        port = free_port()
        server = start_server(url, port, log, access)
        sdk = sign_in(f"http://127.0.0.1:{port}")
        print(f"load average {load()} at the start; gunicorn 1 worker x 4 threads, SQLite", flush=True)
        with app.app_context():
            actor = db.session.scalar(select(User).where(User.username == ADMIN))
            users, devices = catalog.USERS.params(), catalog.DEVICES.params()
            totals = {"users": catalog.USERS.count(actor, users, bound=10**9)[0],
                      "devices": catalog.DEVICES.count(actor, devices, bound=10**9)[0]}
            query = event_query_30_days()
            body = json.loads(str(query))
            print(f"\n{totals['users']:,} users, {totals['devices']:,} devices; {args.events:,} events, of which "
                  f"{event_query.count(actor, event_query.parse(body), bound=10**9):,} in the last 30 days\n")
            print(HEADER, flush=True)
            for n in range(1, args.rounds + 1):
                for label, client, path, key, listing, params in (
                        ("`users.get_all()`", sdk.users, "/api/v1/User", "users", catalog.USERS, users),
                        ("`devices.get_all()`", sdk.devices, "/api/v1/Computer", "computers", catalog.DEVICES,
                         devices)):
                    http = http_pages(client.get_all(), key)
                    print(row(f"{label}, round {n}", http, server_times(access, path, len(http[0])),
                              raw_listing_pages(listing, actor, params)), flush=True)
                times, rows, tokens = http_event_pages(sdk, query)
                served = server_times(access, EVENTS_PATH, len(times))
                print(row(f"file events, 30 days, round {n}", (times, rows), served,
                          raw_event_pages(actor, body, tokens)), flush=True)
        print(f"\nload average {load()} after the pages", flush=True)
        deepest = {"users": (-(-totals["users"] // PAGE_SIZE), lambda s, n: s.users.get_page(n, page_size=PAGE_SIZE)),
                   "devices": (-(-totals["devices"] // PAGE_SIZE),
                               lambda s, n: s.devices.get_page(n, page_size=PAGE_SIZE))}
        server, results = walk_forward(url, port, log, access, server, deepest, args.restarts)
        print("\n| deepest page, on a restarted server | page | first ask (walks forward) ms | "
              "asked again ms |\n|---|---:|---|---|")
        for name, (first, again) in results.items():
            print(f"| {name} | {deepest[name][0]} | {' / '.join(f'{t:.0f}' for t in first)} | "
                  f"{' / '.join(f'{t:.0f}' for t in again)} |")
        print(f"\nload average {load()} at the end", flush=True)
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
