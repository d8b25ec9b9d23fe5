"""Long reads at fleet scale: an export in short batches, and the org pages with 20 000 organizations.

    python bench/many_orgs.py [--db PATH] [--url DATABASE_URL] [--users 5000] [--devices 10000] [--runs 5]

Builds (once) a database with demo data and 20 000 more organizations (20 regions of 1000, half of them
under the Org Admin's org, one region with alert thresholds of its own) with the devices and users
spread over them. Then, through the real app and test client:

- exports the devices list (every device, CSV, EXPORT_BATCH rows a batch) as a Customer Cloud Admin,
  recording each batch's time and each database transaction's length (SQLAlchemy session events),
  and the same export with one transaction held across it (as before batches ended theirs), for the ratio;
- times the pages that list, count or choose orgs as a Customer Cloud Admin and as an Org Admin (the
  Organizations tree, and the children of a region of 1000 orgs that an expanded node asks for).

Prints Markdown tables; paste them into docs/benchmarks.md.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, select, update  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo.data import database_is_empty, load_demo  # noqa: E402
from webconsole.demo.org_tree import add_regions  # noqa: E402
from webconsole.domain.listings import engine as listing_engine  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import Device, Org, OrgSettings, User  # noqa: E402
from webconsole.store.database import refresh_statistics  # noqa: E402
from webconsole.web import list_views  # noqa: E402

PASSWORD = "bench-password"
REGIONS, LEAVES = 20, 1000


def build(url, users, devices):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY", "TESTING": False})
    with app.app_context():
        upgrade()
        if database_is_empty():
            started = time.perf_counter()
            load_demo(PASSWORD, users=users, devices=devices)
            print(f"demo data in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            _add_orgs()
            print(f"built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        refresh_statistics()
    return app


def _add_orgs():
    """20 regions of 1000 orgs, half under the top org and half under the Org Admin's; devices and users
    spread over the leaves; one region with thresholds of its own (a second alert group)."""
    top = db.session.scalar(select(Org).where(Org.parent_id.is_(None)))
    mine = db.session.scalar(select(User).where(User.username == "orgadmin@example.com")).org
    added = add_regions([mine, top], REGIONS, LEAVES)
    regions, leaves = [region for region, _ in added], [leaf for _, ids in added for leaf in ids]
    db.session.add(OrgSettings(org_id=regions[3], group="general", values={"warning_days": 1, "critical_days": 2}))
    first, count = leaves[0], len(leaves)
    # Users (but the demo's named ones) and their devices move to a leaf each, spread evenly.
    named = select(User.id).where(User.username.like("%@example.com")).scalar_subquery()
    db.session.execute(update(User).where(User.id.not_in(named)).values(org_id=first + User.id % count))
    db.session.execute(update(Device).values(org_id=select(User.org_id).where(User.id == Device.user_id)
                                             .scalar_subquery()))
    db.session.commit()


def export(app, client, hold):
    """(rows, seconds, per-batch ms list, longest transaction ms) of the devices CSV export."""
    begun, spans, batches = {}, [], []
    session_class = db.session.session_factory.class_

    def on_begin(session, _transaction, _connection):
        begun[id(session)] = time.perf_counter()

    def on_end(session):
        started = begun.pop(id(session), None)
        if started is not None:
            spans.append(time.perf_counter() - started)

    page, last = listing_engine.Listing.page, [time.perf_counter()]

    def timed_page(self, *args, **kwargs):
        found = page(self, *args, **kwargs)
        now = time.perf_counter()
        batches.append(now - last[0])
        last[0] = now
        return found

    listing_engine.Listing.page = timed_page
    end_read = getattr(listing_engine, "end_read", None)  # absent before batches ended their transactions
    if hold and end_read:
        listing_engine.end_read = lambda: None
    event.listen(session_class, "after_begin", on_begin)
    event.listen(session_class, "after_commit", on_end)
    event.listen(session_class, "after_rollback", on_end)
    try:
        started = time.perf_counter()
        last[0] = started
        response = client.get("/devices/export.csv?sort=name")
        body = response.get_data()
        elapsed = time.perf_counter() - started
    finally:
        listing_engine.Listing.page = page
        if end_read:
            listing_engine.end_read = end_read
        event.remove(session_class, "after_begin", on_begin)
        event.remove(session_class, "after_commit", on_end)
        event.remove(session_class, "after_rollback", on_end)
    # A transaction still open when the request ended was ended by the teardown: it lasted to the end.
    spans.extend(time.perf_counter() - s for s in begun.values())
    assert response.status_code == 200
    return body.count(b"\n") - 1, elapsed, [b * 1000 for b in batches], max(spans) * 1000


PAGES = [
    ("Organizations list", "/orgs/"), ("Organizations, status filter", "/orgs/?status=active"),
    ("Organizations, search", "/orgs/?q=Leaf+03-01"),
    ("Organizations, by devices", "/orgs/?sort=device_count&dir=desc"),
    ("Organizations, count", "/orgs/count"),
    ("Organizations, a region's 1000 children (first page)", "/orgs/{region}/children?depth=1"),
    ("Organizations, a region's children by devices", "/orgs/{region}/children?depth=1&sort=device_count&dir=desc"),
    ("Users list (org choice)", "/users/"),
    ("Users, org filter (a region)", "/users/?org={region}"), ("Devices list (org choice)", "/devices/"),
    ("Devices, org filter (a region)", "/devices/?org={region}"),
    ("Devices, alert filter", "/devices/?alert=critical"),
    ("Org report", "/reports/organizations/"),
    ("Org report, by name desc", "/reports/organizations/?sort=name&dir=desc"),
    ("Device report, alert filter", "/reports/devices/?alert=warning"), ("Dashboard", "/dashboard/"),
    ("Org report CSV (all orgs, downloaded)", "/reports/organizations/export.csv"),
]


def timed_download(client, url, runs):
    """Median ms of `runs` GETs of `url`, each read to its end (a streamed body is produced as it is read)."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.path.join("instance", "bench-many-orgs.db"))
    parser.add_argument("--url", help="a database URL (PostgreSQL) instead of --db")
    parser.add_argument("--users", type=int, default=5_000)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    app = build(args.url or f"sqlite:///{os.path.abspath(args.db)}", args.users, args.devices)
    with app.app_context():
        region = db.session.scalar(select(Org.id).where(Org.name == "Region 02"))
        orgs = db.session.scalar(select(func.count()).select_from(Org))
        dialect = db.engine.dialect.name
    print(f"{dialect}, {orgs} orgs, batch {list_views.EXPORT_BATCH} rows; load: {os.getloadavg()}")
    client = app.test_client()
    client.post("/auth/signin", data={"username": "admin@example.com", "password": PASSWORD})
    if not args.skip_export:
        print("\n| export of the devices list | rows | total s | batches | median batch ms | slowest batch ms "
              "| longest transaction ms |\n|---|---|---|---|---|---|---|")
        for label, hold in (("a transaction per batch", False), ("one transaction held (before)", True)):
            with app.app_context():
                rows, elapsed, batches, longest = export(app, client, hold)
            print(f"| {label} | {rows} | {elapsed:.2f} | {len(batches)} | {statistics.median(batches):.1f} "
                  f"| {max(batches):.1f} | {longest:.1f} |")
    print("\n| page | Cloud Admin median ms | Org Admin median ms |\n|---|---|---|")
    clients = {}
    for who in ("admin@example.com", "orgadmin@example.com"):
        clients[who] = app.test_client()
        clients[who].post("/auth/signin", data={"username": who, "password": PASSWORD})
    for label, url in PAGES:
        url = url.format(region=region)
        cells = []
        for c in clients.values():
            c.get(url).get_data()  # warm up
            cells.append(f"{timed_download(c, url, args.runs):.0f}")
        print(f"| {label} | {' | '.join(cells)} |")
    print(f"\nload after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
