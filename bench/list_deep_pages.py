"""A deep page of a list beside a date filter on its sort column: the Audit Log, newest first, with a "To" day.

    PYTHONPATH=. .venv/bin/python bench/list_deep_pages.py [--rows 1000000] [--db PATH] [--runs 20]

Builds (once) a SQLite database with the demo's small organization and `--rows` audit entries, one a minute
back from today, then times the listing engine's page of 100 entries after the key that ended page 1, 100,
1 000 and 5 000 of the filtered list (`catalog.AUDIT.page`, as every door calls it), against the same page's
plain SQL on the bare sqlite3 connection written both ways: the page's keyset bound before the filter's (what
the engine writes) and after it (what it wrote before). Median milliseconds of `--runs`, and the ratio of the
engine's time to the plain SQL's floor. Prints a Markdown table; the figures go to docs/benchmarks.md.
"""
import argparse
import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo.data import database_is_empty, load_demo  # noqa: E402
from webconsole.domain.listings import PageKey, catalog  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import AuditEvent, User  # noqa: E402

PAGE = 100
DEPTHS = (1, 100, 1000, 5000)
# The columns the Audit Log's listing reads.
RAW = ("SELECT id, at, actor_username, address, event_type, object_type, object_id, object_label, details "
       "FROM audit_events WHERE {first} AND {second} ORDER BY at DESC, id DESC LIMIT 101")
FILTER, KEYSET = "at < :until", "(at, id) < (:at, :id)"


def build(path, rows):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench",
                      "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY", "TESTING": False})
    with app.app_context():
        upgrade()
        if database_is_empty():
            load_demo("bench-password", users=20, devices=20)
            start = datetime.combine(date.today(), datetime.min.time())
            raw = db.session.connection().connection.dbapi_connection
            for first in range(0, rows, 50_000):
                raw.executemany(
                    "INSERT INTO audit_events (at, actor_username, address, event_type, object_type, object_id, "
                    "object_label, details) VALUES (?, 'bench@example.com', '', 'user.update', 'user', '1', "
                    "'bench', '{}')",
                    [((start - timedelta(minutes=n)).isoformat(sep=" "),)
                     for n in range(first, min(rows, first + 50_000))])
            db.session.commit()
            raw.execute("ANALYZE")
    return app


def median_ms(call, runs):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default=os.path.join("instance", "bench-deep-pages.db"))
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    app = build(os.path.abspath(args.db), args.rows)
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin@example.com"))
        # "To" a day half a year back: the filter's bound sits far above the deep pages.
        until = date.today() - timedelta(days=182)
        params = catalog.AUDIT.params(sort="at", dir="desc", filters={"until": until.isoformat()})
        bound = datetime.combine(until, datetime.min.time()) + timedelta(days=1)
        raw = db.session.connection().connection.dbapi_connection
        print(f"{args.rows:,} audit entries; page of {PAGE} after page n of the Audit Log to {until}, newest first")
        print("\n| after page | engine ms | plain SQL, bound first | plain SQL, filter first | engine / floor |")
        print("|---:|---:|---:|---:|---:|")
        for depth in DEPTHS:
            at, last_id = db.session.execute(
                select(AuditEvent.at, AuditEvent.id).where(AuditEvent.at < bound)
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(depth * PAGE - 1).limit(1)).one()
            after = PageKey("value", (at,), last_id)
            values = {"until": bound.isoformat(sep=" "), "at": at.isoformat(sep=" "), "id": last_id}
            engine = median_ms(lambda after=after: catalog.AUDIT.page(admin, params, limit=PAGE, after=after),
                               args.runs)
            floor = median_ms(lambda v=values: raw.execute(RAW.format(first=KEYSET, second=FILTER), v).fetchall(),
                              args.runs)
            before = median_ms(lambda v=values: raw.execute(RAW.format(first=FILTER, second=KEYSET), v).fetchall(),
                               max(3, args.runs // 5))
            print(f"| {depth:,} | {engine:.2f} | {floor:.2f} | {before:.2f} | {engine / floor:.1f} |")
        db.session.rollback()
    print(f"\nload average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
