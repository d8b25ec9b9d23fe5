"""Alert rules: what evaluating 50 enabled rules adds to ingest, and the alert list at 100 000 alerts.

    python bench/alert_rules.py [--demo-events 200000] [--batches 20] [--import-events 50000] [--alerts 100000]

In a temporary folder, a fresh SQLite database with the demo's users and devices and --demo-events
file events over 90 days (so each user has a history for the rules' windows to count), and 50 rules
of every vector, file filter, window (15 minutes to 7 days), threshold and watch mode.

1. Agent batches: one registered device uploads batches of 1000 events (each the next hour of its
   user's activity) through the real app and test client; the 50 rules are disabled before one batch
   and enabled before the next, alternately, so both figures come from the same minutes of a noisy
   machine. Timed from request to acknowledgement, which includes the evaluation (a subscriber of
   events.on_events_stored runs before the answer).
2. `flask import-events`: files of --import-events events by the demo users (import_events.write_events),
   imported alternately with the rules disabled and enabled, two of each, through import_file.
3. The alert list: --alerts alerts added in bulk, then the list as a Security Administrator: the first
   page and the 100th scrolled page (following the cursors), 30 GETs each, p95.

Prints Markdown tables and ratios; paste them into docs/benchmarks.md with `uptime`'s load average.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from flask_migrate import upgrade  # noqa: E402
from import_events import write_events  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402
from timing import HX, p95, scroll_to, timed  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.demo.data import load_demo  # noqa: E402
from webconsole.demo.events import fake_events  # noqa: E402
from webconsole.domain import alert_rules  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import Alert, AlertRule, Device, User  # noqa: E402
from webconsole.models.base import utcnow  # noqa: E402
from webconsole.store.event_import import import_file  # noqa: E402

PASSWORD = "bench-password"
VECTORS = ("removable_media", "cloud_sync", "upload", "email", "cloud_share", "any")
WINDOWS = (("15", "minutes"), ("1", "hours"), ("12", "hours"), ("1", "days"), ("7", "days"))
WATCH = ("everyone",) * 6 + ("departing", "high_risk", "users")


HOURS = {"minutes": 1 / 60, "hours": 1, "days": 24}


def rule_values(n, quiet):
    """The n-th of 50 rules: every vector, window and watch mode; some with file filters, some on bytes.

    Quiet rules have thresholds above what the benchmark's user does in their window (about 300 exposed
    files an hour), as rules tuned to a workforce are: they rarely fire, and what is measured is
    evaluating. Stormy ones (20 to 200 files, 50 GB) fire on most batches."""
    amount, unit = WINDOWS[n % len(WINDOWS)]
    scale = max(1, int(1000 * int(amount) * HOURS[unit])) if quiet else 1
    values = {"name": f"Rule {n:02d}", "severity": alert_rules.SEVERITIES[n % 4], "vector": VECTORS[n % len(VECTORS)],
              "threshold_kind": "bytes" if n % 5 == 4 else "files",
              "threshold": str(min(50 * 1024**3 * scale, 10**15)) if n % 5 == 4 else
              str(min((20, 50, 100, 200)[n % 4] * scale, 1_000_000)),
              "window_amount": amount, "window_unit": unit, "watch": WATCH[n % len(WATCH)],
              "users": "user@example.com analyst@example.com",
              "categories": ["Pdf", "Spreadsheet"] if n % 7 == 3 else [],
              "name_part": "forecast" if n % 11 == 5 else "", "min_size": "1000" if n % 13 == 6 else ""}
    return values


def make_app(path, demo_events):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "TESTING": False})
    with app.app_context():
        upgrade()
        load_demo(PASSWORD, users=200, devices=400, events=demo_events)
        db.session.execute(update(AlertRule).values(enabled=False))  # the demo's own rules stay out
        admin = db.session.scalar(select(User).where(User.username == "admin@example.com"))
        for kind in ("quiet", "storm"):
            for n in range(50):
                alert_rules.create_rule(admin, {**rule_values(n, kind == "quiet"), "name": f"Bench {kind} {n:02d}"})
        db.session.execute(update(AlertRule).values(enabled=False))
        db.session.commit()
    return app


def set_rules(app, kind):
    """Enable the 50 rules of `kind` ("quiet" or "storm"), or none (None)."""
    with app.app_context():
        db.session.execute(update(AlertRule).values(enabled=False))
        if kind:
            db.session.execute(update(AlertRule).where(AlertRule.name.startswith(f"Bench {kind}")).values(enabled=True))
        db.session.commit()


def alert_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Alert))


def agent_batches(app, runs):
    client = app.test_client()
    with app.app_context():
        key = db.session.scalar(select(User).where(User.username == "user@example.com")).org.registration_key
    answer = client.post("/api/agent/v1/register", json={
        "registration_key": key, "username": "user@example.com", "password": PASSWORD, "hostname": "bench",
        "os": "linux"}).get_json()
    auth = {"Authorization": f"Device {answer['guid']}:{answer['secret']}"}
    rng = random.Random(11)
    kinds = (None, "quiet", "storm")
    samples = {kind: [] for kind in kinds}
    raised = dict.fromkeys(kinds, 0)
    start = utcnow() - timedelta(hours=3 * runs + 3)
    for n in range(3 * runs + 3):
        rules = kinds[n % 3]
        set_rules(app, rules)
        before = alert_count(app)
        body = json.dumps({"events": fake_events(rng, 1000, start + timedelta(hours=n + 1), span=timedelta(hours=1))})
        started = time.perf_counter()
        response = client.post("/api/agent/v1/file-events", data=body, content_type="application/json", headers=auth)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200 and response.get_json()["stored"] == 1000, response.get_data()
        if n >= 3:  # the first of each warms caches
            samples[rules].append(elapsed)
            raised[rules] += alert_count(app) - before
    print("| rules enabled | batches | alerts raised | median ms | p95 ms | median / no rules |")
    print("|---|---:|---:|---:|---:|---:|")
    base = statistics.median(samples[None])
    for rules, found in samples.items():
        found.sort()
        print(f"| {'50 ' + rules if rules else 'none'} | {len(found)} | {raised[rules]} | "
              f"{statistics.median(found):.1f} | {p95(found):.1f} | {statistics.median(found) / base:.2f} |")
    print()


def imports(app, folder, count):
    with app.app_context():
        owners = [(u, h) for u, h in db.session.execute(select(User.username, Device.hostname).join(
            Device, Device.user_id == User.id))]
    times = {0: [], 50: []}
    before = alert_count(app)
    for n, rules in enumerate((0, 50, 0, 50)):
        path = os.path.join(folder, f"import-{n}.jsonl")
        write_events(path, count, owners, seed=100 + n)
        set_rules(app, "quiet" if rules else None)
        with app.app_context():
            started = time.perf_counter()
            result = import_file(path)
            times[rules].append(time.perf_counter() - started)
            assert result.stored >= count * 0.9, result
        os.remove(path)
    print("| rules enabled | imports | events each | seconds each | events/s |")
    print("|---:|---:|---:|---:|---:|")
    for rules, found in times.items():
        print(f"| {rules} | {len(found)} | {count} | {' / '.join(f'{t:.2f}' for t in found)} | "
              f"{count * len(found) / sum(found):,.0f} |")
    ratio = sum(times[50]) / sum(times[0])
    print(f"\nimport time with 50 quiet rules / without: {ratio:.2f}; alerts raised: {alert_count(app) - before}\n")


def alert_list(app, count):
    with app.app_context():
        rule_ids = db.session.scalars(select(AlertRule.id)).all()
        users = db.session.execute(select(User.id, User.username, User.org_id)).all()
        rng, now = random.Random(5), utcnow()
        rows = []
        for n in range(count):
            user = users[rng.randrange(len(users))]
            at = now - timedelta(minutes=n)
            rows.append({"rule_id": rng.choice(rule_ids), "user_id": user.id, "org_id": user.org_id,
                         "username": user.username, "name": f"Bench rule {n % 50:02d}",
                         "severity": alert_rules.SEVERITIES[n % 4], "vector": VECTORS[n % 6],
                         "state": ("open", "in_progress", "pending", "resolved")[n % 4], "file_count": 21 + n % 300,
                         "total_bytes": rng.randrange(10**10), "first_event_at": at - timedelta(hours=1),
                         "last_event_at": at, "threshold_kind": "files", "threshold": 20, "window_amount": 1,
                         "window_unit": "hours", "created_at": at, "state_changed_at": at})
        for start in range(0, len(rows), 10_000):
            db.session.execute(Alert.__table__.insert(), rows[start:start + 10_000])
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(Alert))
    client = app.test_client()
    client.post("/auth/signin", data={"username": "analyst@example.com", "password": PASSWORD})
    print("| alerts | page | median ms | p95 ms |\n|---:|---|---:|---:|")
    for label, url in (("first (newest first)", "/alerts/"), ("first, state open", "/alerts/?state=open")):
        median, high, _body = timed(client, url, headers=HX, runs=30, warm_up=True)
        print(f"| {total:,} | {label} | {median:.1f} | {high:.1f} |")
        rows_url, depth = scroll_to(client, url, 100)
        median, high, _body = timed(client, rows_url, headers=HX, runs=30, warm_up=True)
        print(f"| {total:,} | {label}: page {depth + 1} (rows fragment) | {median:.1f} | {high:.1f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo-events", type=int, default=200_000)
    parser.add_argument("--batches", type=int, default=20, help="timed batches of each kind")
    parser.add_argument("--import-events", type=int, default=50_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-alert-rules-")
    try:
        print(f"load average before: {os.getloadavg()}\n")
        app = make_app(os.path.join(folder, "bench.db"), args.demo_events)
        agent_batches(app, args.batches)
        imports(app, folder, args.import_events)
        alert_list(app, args.alerts)
        print(f"\nload average after: {os.getloadavg()}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
