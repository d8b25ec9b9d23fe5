"""Serve-time of list pages at scale: first page and deep scrolled pages of the devices list.

    python bench/lists.py [--users 100000] [--devices 200000] [--db PATH] [--runs 30]

Builds (once) a SQLite database with demo data at the given scale, then times, through the
real app and test client, the devices list page, its rows fragment at depth 1 and 100 (and the
users list), as a Customer Cloud Admin and as an Org Admin (scoped queries). Prints a Markdown
table of median and p95 milliseconds; paste it into docs/benchmarks.md.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from timing import HX, scroll_to, timed  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo.data import database_is_empty, load_demo  # noqa: E402
from webconsole.store.database import refresh_statistics  # noqa: E402

PASSWORD = "bench-password"


def build(path, users, devices):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY", "TESTING": False,
    })
    with app.app_context():
        upgrade()
        if database_is_empty():
            started = time.perf_counter()
            load_demo(PASSWORD, users=users, devices=devices)
            print(f"loaded {users} users / {devices} devices in {time.perf_counter() - started:.1f} s",
                  file=sys.stderr)
        refresh_statistics()  # as `flask setup` does on every start
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=200_000)
    parser.add_argument("--db", default=os.path.join("instance", "bench-lists.db"))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    app = build(os.path.abspath(args.db), args.users, args.devices)
    print("| who | request | median ms | p95 ms |\n|---|---|---|---|")
    for who in ("admin@example.com", "orgadmin@example.com"):
        client = app.test_client()
        client.post("/auth/signin", data={"username": who, "password": PASSWORD})
        cases = [
            ("devices list, full page", "/devices/", None),
            ("devices list, first page fragment (sort)", "/devices/?sort=last_connected&dir=desc", HX),
            ("devices rows, scrolled page 1", scroll_to(client, "/devices/", 1)[0], HX),
            ("devices rows, scrolled page 100", scroll_to(client, "/devices/", 100)[0], HX),
            ("devices rows by last connected, page 100",
             scroll_to(client, "/devices/?sort=last_connected&dir=desc", 100)[0], HX),
            ("devices rows by user (a joined column), page 100",
             scroll_to(client, "/devices/?sort=username&dir=asc", 100)[0], HX),
            ("devices rows by organization, page 100",
             scroll_to(client, "/devices/?sort=org_name&dir=desc", 100)[0], HX),
            ("devices search 'macbook', first page", "/devices/?q=macbook", HX),
            ("devices lazy count", "/devices/count", HX),
            ("users list, full page", "/users/", None),
            ("users rows, scrolled page 100", scroll_to(client, "/users/", 100)[0], HX),
            ("users rows by organization, page 100", scroll_to(client, "/users/?sort=org_name", 100)[0], HX),
            ("organizations list, full page", "/orgs/", None),
            ("dashboard, full page", "/dashboard/", None),
            ("global search 'mar' (drop-down)", "/search/?q=mar", HX),
            ("global search 'zzq' (no match)", "/search/?q=zzq", HX),
            ("global search by device GUID (jump)", None, "guid"),
            ("organization report, full page", "/reports/organizations/", None),
            ("user report, full page", "/reports/users/", None),
            ("user report by storage used, first page", "/reports/users/?sort=archive_bytes&dir=desc", HX),
            ("device report, full page", "/reports/devices/", None),
            ("device report, scrolled page 100", scroll_to(client, "/reports/devices/", 100)[0], HX),
        ]
        with app.app_context():
            from webconsole.extensions import db
            from webconsole.models import Device
            guid = db.session.scalar(db.select(Device.guid).where(Device.id == args.devices // 2))
        for label, url, headers in cases:
            if headers == "guid":
                url, headers = f"/search/?q={guid}", None
                median, p95, _ = timed(client, url, None, args.runs, statuses=(200, 302))
                print(f"| {who.split('@')[0]} | {label} | {median:.1f} | {p95:.1f} |")
                continue
            median, p95, _ = timed(client, url, headers, args.runs)
            print(f"| {who.split('@')[0]} | {label} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
