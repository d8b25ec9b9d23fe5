"""Forensic Search at scale: filtered first pages and deep scrolled pages over millions of file events.

    python bench/forensic_search.py --db PATH [--events 10000000] [--users 2000] [--devices 4000] [--runs 30]

Builds (once: 10 M events take a quarter of an hour and 8 GB, so keep --db outside the source
tree) a SQLite database with demo data and a handful of events with a rare name, then times,
through the real app and test client, Forensic Search as an investigator (analyst@example.com),
filtered by one user, by parts of file names and by parts of paths: the page and its lazy count, and the rows
fragment at depth 1, 500 and 1000 (the cursor chain is walked untimed, then that fragment is
timed; a search with fewer pages times its last). Each request runs --runs times after one
untimed warm-up. Prints a Markdown table of median and p95 milliseconds; paste it into
docs/benchmarks.md.

A Customer Cloud Admin is not timed separately: both roles search every event, so their queries
are the same.
"""
import argparse
import os
import re
import sys
import time
from datetime import timedelta
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from timing import HX, scroll_to, timed  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo.data import database_is_empty, load_demo  # noqa: E402
from webconsole.domain import events  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import Device, FileEvent, User  # noqa: E402
from webconsole.models.base import utcnow  # noqa: E402
from webconsole.store import name_search  # noqa: E402
from webconsole.store.database import refresh_statistics  # noqa: E402

PASSWORD = "bench-password"
WHO = "analyst@example.com"
# A name no demo file has: what an investigator looks for when a document has leaked.
RARE_NAME = "Öresund merger plan (draft).docx"
RARE_COUNT = 5
ROW = re.compile(r"<tr>\s*<td")  # a result row (headings are <th>)


def build(path, users, devices, events_count):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY", "TESTING": False,
    })
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        print(f"migrated in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        if database_is_empty():
            started = time.perf_counter()
            load_demo(PASSWORD, users=users, devices=devices, events=events_count)
            print(f"loaded {events_count} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        plant_rare_events()
        # The demo loader stores events past the file-name index (one statement per batch, no
        # bulk_insert): bring the index up to date, as bulk inserts keep it.
        started = time.perf_counter()
        indexed = name_search.index_new_events()
        db.session.commit()
        if indexed:
            print(f"indexed {indexed} file names in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        refresh_statistics()  # as `flask setup` does on every start
    return app


def plant_rare_events():
    """RARE_COUNT events of one user's with RARE_NAME over the last weeks (stored once: same event ids)."""
    device = db.session.scalar(select(Device).join(User, Device.user_id == User.id)
                               .where(User.username == "user@example.com").order_by(Device.id))
    now = utcnow()
    rows = [events.parse_event({
        "eventId": f"bench-rare-{n}", "eventType": "CREATED", "fileName": RARE_NAME,
        "filePath": "C:/Users/uma/Documents/", "fileCategory": "Document",
        "eventTimestamp": (now - timedelta(days=1 + 5 * n)).isoformat(timespec="milliseconds") + "Z"})
        for n in range(RARE_COUNT)]
    stored, _ = events.store(rows, "bench", {"device_id": device.id, "user_id": device.user_id,
                                             "org_id": device.org_id, "username": device.user.username,
                                             "hostname": device.hostname})
    if stored:
        print(f"planted {stored} events named {RARE_NAME!r}", file=sys.stderr)


def busiest_user():
    """The username with the most events in the last 30 days (the deepest single-user search)."""
    since = utcnow() - timedelta(days=30)
    return db.session.execute(select(FileEvent.username, func.count()).where(FileEvent.event_at >= since)
                              .group_by(FileEvent.username).order_by(func.count().desc()).limit(1)).one()


def search_url(**args):
    return "/forensic-search/?" + urlencode(args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the SQLite file (built on first use)")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--devices", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--common", default="notes-1", help="a file-name part a few %% of events have")
    parser.add_argument("--specific", default="contract-123", help="a file-name part of one demo file")
    args = parser.parse_args()
    app = build(os.path.abspath(args.db), args.users, args.devices, args.events)
    with app.app_context():
        user, user_events = busiest_user()
    client = app.test_client()
    client.post("/auth/signin", data={"username": WHO, "password": PASSWORD})
    name = lambda value: search_url(range="P30D", f1="fileName", o1="contains", v1=value)  # noqa: E731
    path = lambda value: search_url(range="P30D", f1="filePath", o1="contains", v1=value)  # noqa: E731
    searches = [
        ("no filter, last 7 days", search_url(range="P7D")),
        (f"one user ({user_events} events in 30 days), last 30 days",
         search_url(range="P30D", f1="deviceUserName", o1="is", v1=user)),
        ("the same user, last 90 days", search_url(range="P90D", f1="deviceUserName", o1="is", v1=user)),
        (f"file name contains '{args.common}' (a few % of events), last 30 days", name(args.common)),
        (f"file name contains '{args.specific}' (one file's name), last 30 days", name(args.specific)),
        ("file name contains 'merger plan' (5 events), last 30 days", name("merger plan")),
        ("file name contains 'zqx' (no match), last 30 days", name("zqx")),
        ("quick filter 'merger plan', last 30 days", search_url(range="P30D", q="merger plan")),
        ("file path contains '/Desktop/' (common), last 30 days", path("/Desktop/")),
        ("file path contains 'Users/uma/Documents' (one folder), last 30 days", path("Users/uma/Documents")),
        ("file path contains 'zqx' (no match), last 30 days", path("zqx")),
    ]
    print(f"| search ({WHO.split('@')[0]}) | request | median ms | p95 ms |\n|---|---|---|---|")
    for label, url in searches:
        median, p95, body = timed(client, url, None, args.runs, warm_up=True)
        print(f"| {label} | page | {median:.1f} | {p95:.1f} |", flush=True)
        if "merger plan" in label:
            assert len(ROW.findall(body)) == RARE_COUNT, "the rare name is found exactly where it was planted"
        median, p95, _ = timed(client, url.replace("/?", "/count?"), HX, args.runs, warm_up=True)
        print(f"| {label} | lazy count | {median:.1f} | {p95:.1f} |", flush=True)
        for depth in (1, 500, 1000):
            rows, reached = scroll_to(client, url, depth)
            if rows is None:
                break
            median, p95, _ = timed(client, rows, HX, args.runs, warm_up=True)
            print(f"| {label} | rows, scrolled page {reached} | {median:.1f} | {p95:.1f} |", flush=True)
            if reached < depth:
                break


if __name__ == "__main__":
    main()
