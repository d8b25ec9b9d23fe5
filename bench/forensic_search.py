"""Forensic Search at scale: filtered first pages and deep scrolled pages over millions of file events.

    python bench/forensic_search.py --db PATH [--events 10000000] [--users 2000] [--devices 4000] [--runs 30]
    python bench/forensic_search.py --database-url postgresql+psycopg://... [--events ...] [...]
    [--only REGEX] [--alternate]

Builds (once: 10 M events take a quarter of an hour and 8 GB, so keep --db outside the source
tree) a SQLite database, or fills an empty PostgreSQL database (--database-url, or the
BENCH_DATABASE_URL environment variable), with demo data and a handful of events with a rare
name, then times, through the real app and test client, Forensic Search as an investigator
(analyst@example.com), filtered by date, user, hostname, hash, exposure, parts of file names and
parts of paths: the page and its lazy count, and the rows fragment at depth 1, 500 and 1000 (the
cursor chain is walked untimed, then that fragment is timed; a search with fewer pages times its
last). Each request runs --runs times after one untimed warm-up. --alternate also times the first
and the deepest pages in turn and prints their ratio, which a busy machine's changing load does
not skew; --only times some searches. Prints a Markdown table of median and p95 milliseconds;
paste it into docs/benchmarks.md.

A Customer Cloud Admin is not timed separately: both roles search every event, so their queries
are the same.
"""
import argparse
import os
import re
import statistics
import sys
import time
from datetime import timedelta
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from timing import HX, p95, scroll_to, timed  # noqa: E402

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


def build(url, users, devices, events_count):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
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


def sample_values():
    """(hostname of the busiest device, its event count; an MD5 some events share, their count) in the
    last 30 days: what an investigator pivots to from an event."""
    since = utcnow() - timedelta(days=30)
    recent = FileEvent.event_at >= since
    host = db.session.execute(select(FileEvent.hostname, func.count()).where(recent, FileEvent.hostname != "")
                              .group_by(FileEvent.hostname).order_by(func.count().desc()).limit(1)).one()
    # The hash of the 1000th recent event: a file like any other, not the commonest.
    md5 = db.session.scalar(select(FileEvent.md5).where(recent, FileEvent.md5 != "")
                            .order_by(FileEvent.event_at.desc(), FileEvent.id.desc()).offset(1000).limit(1))
    copies = db.session.scalar(select(func.count()).where(recent, FileEvent.md5 == md5))
    return (*host, md5, copies)


def print_alternating(client, label, scrolled, runs):
    """The deepest page's time over the first's, the two requested in turn: on a busy machine the load
    changes between two series of requests more than the pages' costs differ."""
    deepest = max(scrolled)
    samples = {1: [], deepest: []}
    for _ in range(runs):
        for depth in samples:
            started = time.perf_counter()
            assert client.get(scrolled[depth], headers=HX).status_code == 200
            samples[depth].append((time.perf_counter() - started) * 1000)
    first, deep = (sorted(samples[d]) for d in (1, deepest))
    median_ratio, p95_ratio = statistics.median(deep) / statistics.median(first), p95(deep) / p95(first)
    print(f"| {label} | rows, page {deepest} ÷ page 1, requested in turn | × {median_ratio:.2f} | "
          f"× {p95_ratio:.2f} |", flush=True)


def search_url(**args):
    return "/forensic-search/?" + urlencode(args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required="BENCH_DATABASE_URL" not in os.environ)
    where.add_argument("--db", help="the SQLite file (built on first use)")
    where.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                       help="a PostgreSQL database (filled on first use), as SQLALCHEMY_DATABASE_URI")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--devices", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--common", default="notes-1", help="a file-name part a few %% of events have")
    parser.add_argument("--specific", default="contract-123", help="a file-name part of one demo file")
    parser.add_argument("--middling", default="-123", help="a file-name part of a few demo files")
    parser.add_argument("--alternate", action="store_true",
                        help="also time the first and the deepest scrolled pages in turn, and print their ratio")
    parser.add_argument("--only", help="time only the searches whose label matches this regular expression")
    args = parser.parse_args()
    url = f"sqlite:///{os.path.abspath(args.db)}" if args.db else args.database_url
    app = build(url, args.users, args.devices, args.events)
    with app.app_context():
        user, user_events = busiest_user()
        host, host_events, md5, md5_events = sample_values()
    client = app.test_client()
    client.post("/auth/signin", data={"username": WHO, "password": PASSWORD})
    name = lambda value: search_url(range="P30D", f1="fileName", o1="contains", v1=value)  # noqa: E731
    path = lambda value: search_url(range="P30D", f1="filePath", o1="contains", v1=value)  # noqa: E731
    searches = [
        ("no filter, last 7 days", search_url(range="P7D")),
        ("no filter, last 30 days, oldest first", search_url(range="P30D", sort="event_at", dir="asc")),
        (f"one user ({user_events} events in 30 days), last 30 days",
         search_url(range="P30D", f1="deviceUserName", o1="is", v1=user)),
        ("the same user, last 90 days", search_url(range="P90D", f1="deviceUserName", o1="is", v1=user)),
        (f"one device's hostname ({host_events} events in 30 days), last 30 days",
         search_url(range="P30D", f1="osHostName", o1="is", v1=host)),
        (f"MD5 is one file's ({md5_events} events in 30 days), last 30 days",
         search_url(range="P30D", f1="md5Checksum", o1="is", v1=md5)),
        ("exposure is removable media, last 30 days",
         search_url(range="P30D", f1="exposure", o1="is", v1="RemovableMedia")),
        ("exposure is removable media or cloud storage, last 30 days",
         search_url(range="P30D", match="any", f1="exposure", o1="is", v1="RemovableMedia",
                    f2="exposure", o2="is", v2="CloudStorage")),
        (f"file name contains '{args.common}' (a few % of events), last 30 days", name(args.common)),
        (f"file name contains '{args.specific}' (one file's name), last 30 days", name(args.specific)),
        (f"file name contains '{args.middling}' (a few files' names), last 30 days", name(args.middling)),
        ("file name contains 'merger plan' (5 events), last 30 days", name("merger plan")),
        ("file name contains 'zqx' (no match), last 30 days", name("zqx")),
        ("quick filter 'merger plan', last 30 days", search_url(range="P30D", q="merger plan")),
        ("file path contains '/Desktop/' (common), last 30 days", path("/Desktop/")),
        ("file path contains 'Users/uma/Documents' (one folder), last 30 days", path("Users/uma/Documents")),
        ("file path contains 'zqx' (no match), last 30 days", path("zqx")),
    ]
    print(f"| search ({WHO.split('@')[0]}) | request | median ms | p95 ms |\n|---|---|---|---|")
    for label, url in searches:
        if args.only and not re.search(args.only, label):
            continue
        median, p95, body = timed(client, url, None, args.runs, warm_up=True)
        print(f"| {label} | page | {median:.1f} | {p95:.1f} |", flush=True)
        if "merger plan" in label:
            assert len(ROW.findall(body)) == RARE_COUNT, "the rare name is found exactly where it was planted"
        median, p95, _ = timed(client, url.replace("/?", "/count?"), HX, args.runs, warm_up=True)
        print(f"| {label} | lazy count | {median:.1f} | {p95:.1f} |", flush=True)
        scrolled = {}
        for depth in (1, 500, 1000):
            rows, reached = scroll_to(client, url, depth)
            if rows is None:
                break
            scrolled[reached] = rows
            median, p95, _ = timed(client, rows, HX, args.runs, warm_up=True)
            print(f"| {label} | rows, scrolled page {reached} | {median:.1f} | {p95:.1f} |", flush=True)
            if reached < depth:
                break
        if args.alternate and len(scrolled) > 1:
            print_alternating(client, label, scrolled, args.runs)


if __name__ == "__main__":
    main()
