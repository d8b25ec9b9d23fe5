"""Serve-time of the watchlists and of a user's profile at 100 000 users and 2 M file events.

    python bench/watchlists.py [--users 100000] [--devices 40000] [--events 2000000] [--members 2000]
                               [--db PATH] [--runs 30]

Builds (once) a SQLite database with demo data and file events at the given scale, puts `members`
users on each watchlist (the most active ones first, so the exposure filters have work to do), then
times through the real app, as a Customer Cloud Admin: each list's page, its quick-filter counts,
a quick filter's first page, a scrolled page, the profile of the busiest user, and the users list
as the raw baseline of the same run. Prints a Markdown table of median and p95 milliseconds.
"""
import argparse
import os
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from timing import HX, scroll_to, timed  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo.data import database_is_empty, load_demo  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import FileEvent  # noqa: E402
from webconsole.models.base import utcnow  # noqa: E402
from webconsole.models.watchlists import RiskProfile, WatchlistMember  # noqa: E402
from webconsole.store.database import refresh_statistics  # noqa: E402

PASSWORD = "bench-password"


def build(path, users, devices, events, members):
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY", "TESTING": False,
    })
    with app.app_context():
        upgrade()
        if database_is_empty():
            started = time.perf_counter()
            load_demo(PASSWORD, users=users, devices=devices, events=events)
            print(f"loaded {users} users / {events} events in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        _add_members(members)
        refresh_statistics()
    return app


def _add_members(members):
    """Put the 2 × `members` busiest users on the lists (alternately), with profiles, once."""
    if db.session.scalar(select(func.count()).select_from(WatchlistMember)) >= 2 * members:
        return
    busiest = db.session.scalars(select(FileEvent.user_id).where(FileEvent.user_id > 7)
                                 .group_by(FileEvent.user_id).order_by(func.count().desc())
                                 .limit(2 * members)).all()
    now, today = utcnow(), utcnow().date()
    listed = set(db.session.scalars(select(WatchlistMember.user_id)))  # the demo's own members
    profiled = set(db.session.scalars(select(RiskProfile.user_id)))
    rows, profiles = [], []
    for n, user_id in enumerate(busiest):
        if user_id not in listed:
            rows.append({"watchlist": "departing" if n % 2 else "high_risk", "user_id": user_id,
                         "added_at": now - timedelta(minutes=n)})
        if user_id not in profiled:
            profiles.append({"user_id": user_id, "departure_date": today + timedelta(days=n % 90), "notes": "",
                             "cloud_aliases": [], "risk_factors": ["flight_risk"], "updated_at": now})
    for model, values in ((WatchlistMember, rows), (RiskProfile, profiles)):
        if values:
            db.session.execute(insert(model), values)
    db.session.commit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=40_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--db", default=os.path.join("instance", "bench-watchlists.db"))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    app = build(os.path.abspath(args.db), args.users, args.devices, args.events, args.members)
    with app.app_context():
        busiest = db.session.scalar(select(FileEvent.user_id).where(FileEvent.user_id > 7)
                                    .group_by(FileEvent.user_id).order_by(func.count().desc()).limit(1))
    client = app.test_client()
    client.post("/auth/signin", data={"username": "admin@example.com", "password": PASSWORD})
    cases = [
        ("users list, full page (baseline)", "/users/", None),
        ("users rows, first page fragment (baseline)", "/users/?sort=username", HX),
        ("departing, full page", "/watchlists/departing/", None),
        ("departing, first page fragment", "/watchlists/departing/?sort=added_at&dir=desc", HX),
        ("departing rows, scrolled page 10", scroll_to(client, "/watchlists/departing/", 10)[0], HX),
        ("departing by departure date, first page", "/watchlists/departing/?sort=departure_date", HX),
        ("departing, count leaving within 30 days", "/watchlists/departing/counts/leaving_30d", HX),
        ("departing, count with exposure in 30 days", "/watchlists/departing/counts/exposure_30d", HX),
        ("departing, count with exposure in 24 hours", "/watchlists/departing/counts/exposure_24h", HX),
        ("departing, exposure in 30 days, first page", "/watchlists/departing/?quick=exposure_30d", HX),
        ("departing, exposure in 24 hours, first page", "/watchlists/departing/?quick=exposure_24h", HX),
        ("high risk, full page", "/watchlists/high-risk/", None),
        ("high risk, count with exposure in 30 days", "/watchlists/high_risk/counts/exposure_30d", HX),
        ("user activity picker search 'mar'", "/user-activity/users?q=mar", HX),
        ("profile of the busiest user, full page", f"/user-activity/?user={busiest}", None),
    ]
    print("| request | median ms | p95 ms |\n|---|---|---|")
    for label, url, headers in cases:
        median, p95, _body = timed(client, url, headers, runs=args.runs, warm_up=True)
        print(f"| {label} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
