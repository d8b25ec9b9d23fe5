"""The console's lists against a generic admin (Flask-Admin) over the same tables, in one process and run.

    python bench/side_by_side.py --db PATH [--users 100000] [--devices 200000] [--events 2000000]
                                 [--event-depth 1000000] [--runs 20]

Needs the `bench` extra (pip install -e '.[bench]': Flask-Admin). Builds (once, as
bench/forensic_search.py does) a SQLite database with demo data; for 10 M events pass
--events 10000000 (a quarter of an hour and 8 GB to build). Then times, through each app's test
client, the same page of 50 rows:

- devices: our devices list (its rows fragment, the page a scrolling user loads) against a
  Flask-Admin ModelView of Device (page size 50, the same columns, OFFSET paging and its count),
  sorted by name and by last connected, at the first page, at row 100 000 and at the last page;
- file events: Forensic Search over the last 90 days against a ModelView of FileEvent sorted by time,
  newest first, at the first page and at row --event-depth.

Each pair of requests is timed in turns, run after run, after one warm-up of each. Our deep pages are
reached by a cursor made from the listing itself (the rows before it are walked untimed, in batches);
Flask-Admin's by its page number. Prints a Markdown table of median and p95 ms and our lead
(Flask-Admin's median / ours).
"""
import argparse
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask import Flask  # noqa: E402
from flask_admin import Admin  # noqa: E402
from flask_admin.contrib.sqla import ModelView  # noqa: E402
from flask_babel import Babel  # noqa: E402
from forensic_search import PASSWORD, build  # noqa: E402
from timing import HX, p95  # noqa: E402

from webconsole.blueprints.devices.views import DEVICE_LIST  # noqa: E402
from webconsole.blueprints.forensics.views import SEARCH  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import Device, FileEvent, User  # noqa: E402
from webconsole.web.lists import cursor_for, params_from_request  # noqa: E402

PAGE = 50
WALK = 10_000  # rows read per untimed step towards a deep page


class DeviceView(ModelView):
    """Devices as a generic admin lists them: the columns of our list, sorted by a clicked column."""

    can_create = can_edit = can_delete = False
    page_size = PAGE
    column_list = ("name", "hostname", "user.username", "org.name", "os", "agent_version", "status",
                   "last_connected", "last_completed_backup", "percent_complete", "archive_bytes")
    column_sortable_list = ("name", "last_connected")
    column_select_related_list = (Device.user, Device.org)  # joined, not loaded row by row
    column_default_sort = ("name", False)


class FileEventView(ModelView):
    """File events as a generic admin lists them: the columns of Forensic Search, newest first."""

    can_create = can_edit = can_delete = False
    page_size = PAGE
    column_list = ("event_at", "event_type", "file_name", "file_path", "file_size", "file_category", "username",
                   "hostname", "exposure")
    column_sortable_list = ("event_at",)
    column_default_sort = ("event_at", True)


def admin_app(uri):
    """A tiny Flask app with Flask-Admin's ModelViews over the same database file."""
    app = Flask("generic-admin")
    app.config.update(SQLALCHEMY_DATABASE_URI=uri, SECRET_KEY="bench", SQLALCHEMY_ENGINE_OPTIONS={})
    db.init_app(app)
    Babel(app)  # Flask-Admin translates itself with Flask-Babel when it is installed
    admin = Admin(app, name="Generic admin")
    with warnings.catch_warnings():  # Flask-Admin 2 asks for the db object, which its 1.x does not take
        warnings.simplefilter("ignore", DeprecationWarning)
        admin.add_view(DeviceView(Device, db.session, endpoint="device_admin", url="/admin/devices"))
        admin.add_view(FileEventView(FileEvent, db.session, endpoint="event_admin", url="/admin/events"))
    return app


def deep_rows_url(app, spec, query, username, depth):
    """The rows URL of our list (as `username`) that starts after its first `depth` rows, or None when it
    has fewer; made by walking the listing's keyset pages untimed."""
    with app.test_request_context(query_string=query):
        actor = db.session.scalar(db.select(User).where(User.username == username))
        params = params_from_request(spec)
        key, walked = None, 0
        while walked < depth:
            step = min(WALK, depth - walked)
            page = spec.listing.page(actor, params, limit=step, after=key)
            if page.next is None:
                return None
            key, walked = page.next, walked + step
        return app.url_for(_rows_endpoint(spec), cursor=cursor_for(spec, params, key))


def _rows_endpoint(spec):
    base, _, name = spec.endpoint.rpartition(".")
    return f"{base}.rows" if name == "index" else f"{base}.{name}_rows"


def row(label, ours, theirs):
    (our_median, our_p95), (their_median, their_p95) = ours, theirs
    print(f"| {label} | {our_median:.1f} | {our_p95:.1f} | {their_median:.1f} | {their_p95:.1f} "
          f"| {their_median / our_median:.1f} × |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the SQLite file (built on first use)")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--device-depth", type=int, default=100_000)
    parser.add_argument("--event-depth", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    url = f"sqlite:///{os.path.abspath(args.db)}"
    ours = build(url, args.users, args.devices, args.events)
    theirs = admin_app(url).test_client()
    admin, analyst = ours.test_client(), ours.test_client()
    admin.post("/auth/signin", data={"username": "admin@example.com", "password": PASSWORD})
    analyst.post("/auth/signin", data={"username": "analyst@example.com", "password": PASSWORD})
    with ours.app_context():
        devices = db.session.scalar(db.select(db.func.count()).select_from(Device))
    last = (devices - 1) // PAGE * PAGE  # rows before the last page

    def side_by_side(label, client, ours_url, theirs_url):
        """Both requests in turns, run after run, so the machine's load weighs on each alike."""
        samples = ([], [])
        for request in ((client, ours_url, HX), (theirs, theirs_url, {})):
            assert request[0].get(request[1], headers=request[2]).status_code == 200, request[1]  # warm up
        for _ in range(args.runs):
            for kept, (test_client, url, headers) in zip(samples, ((client, ours_url, HX), (theirs, theirs_url, {})),
                                                         strict=True):
                started = time.perf_counter()
                response = test_client.get(url, headers=headers)
                kept.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, url
        ours_ms, theirs_ms = (sorted(kept) for kept in samples)
        row(label, (statistics.median(ours_ms), p95(ours_ms)), (statistics.median(theirs_ms), p95(theirs_ms)))

    print("| page of 50 rows | ours median ms | ours p95 ms | Flask-Admin median ms | Flask-Admin p95 ms "
          "| our lead |\n|---|---|---|---|---|---|")
    for sort, query, their_sort in (("name", "sort=name&dir=asc", "sort=0"),
                                    ("last connected", "sort=last_connected&dir=desc", "sort=1&desc=1")):
        for where, depth in (("first page", 0), (f"row {args.device_depth:,}", args.device_depth),
                             (f"last page (row {last:,})", last)):
            url = f"/devices/?{query}" if depth == 0 else deep_rows_url(ours, DEVICE_LIST, query,
                                                                       "admin@example.com", depth)
            side_by_side(f"devices by {sort}, {where}", admin, url,
                         f"/admin/devices/?{their_sort}&page={depth // PAGE}")
    query = "range=P90D"
    for where, depth in (("first page", 0), (f"row {args.event_depth:,}", args.event_depth)):
        url = f"/forensic-search/?{query}" if depth == 0 else deep_rows_url(ours, SEARCH, query,
                                                                           "analyst@example.com", depth)
        if url is None:
            print(f"| file events, {where} | (fewer rows in the last 90 days) | | | | |")
            continue
        side_by_side(f"file events by time, {where}", analyst, url,
                     f"/admin/events/?sort=0&desc=1&page={depth // PAGE}")


if __name__ == "__main__":
    main()
