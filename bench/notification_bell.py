"""The toolbar's bell at scale: its fragment against the raw SQL of its one query.

    python bench/notification_bell.py [--alerts 100000] [--runs 200]

On a fresh SQLite database: --alerts alerts of users spread over a small org tree, none read yet.
Times, for an analyst reaching every org and an investigator reaching one subtree, the bell's
fragment through the test client (sign-in cookie, htmx header) and, in the same run, the raw SQL
of the bell's query (the newest unread alerts in scope, bounded), so a ratio is read on a noisy machine.
Prints a Markdown table.
"""
import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from timing import HX, p95, timed  # noqa: E402

from webconsole import create_app  # noqa: E402
from webconsole.domain.orgs import create_org  # noqa: E402
from webconsole.domain.passwords import hash_password  # noqa: E402
from webconsole.domain.permissions import role_by_key, sync_builtin_roles  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import Alert, AlertRule, Role, RolePermission, User  # noqa: E402
from webconsole.models.base import utcnow  # noqa: E402

PASSWORD = "bench-password-1"


def load(alerts):
    """Orgs, an analyst, a subtree investigator and `alerts` alerts; (analyst, investigator) usernames."""
    sync_builtin_roles()
    root = create_org("Bench", None)
    teams = [create_org(f"Team {n}", root) for n in range(10)]
    db.session.commit()
    role = Role(key="team_investigator", name="Team investigator", scope="subtree", builtin=False)
    role.permissions = [RolePermission(permission="alerts.manage")]
    db.session.add(role)
    pw = hash_password(PASSWORD)
    analyst = User(username="analyst@bench.test", email="analyst@bench.test", password_hash=pw, org_id=root.id)
    analyst.roles.append(role_by_key("insider_risk_analyst"))
    investigator = User(username="team@bench.test", email="team@bench.test", password_hash=pw, org_id=teams[0].id)
    investigator.roles.append(role)
    subjects = [User(username=f"user{n}@bench.test", email=f"user{n}@bench.test", org_id=teams[n % 10].id)
                for n in range(100)]
    db.session.add_all([analyst, investigator, *subjects])
    rule = AlertRule(name="USB copies", severity="high", vector="removable_media", threshold_kind="files",
                     threshold=20, window_amount=1, window_unit="hours")
    db.session.add(rule)
    db.session.commit()
    now = utcnow()
    for start in range(0, alerts, 10_000):
        rows = [{"rule_id": rule.id, "user_id": subjects[n % 100].id, "org_id": subjects[n % 100].org_id,
                 "username": subjects[n % 100].username, "name": "USB copies", "severity": "high",
                 "vector": "removable_media", "state": "open", "file_count": 30, "total_bytes": 10**9,
                 "first_event_at": now, "last_event_at": now, "threshold_kind": "files", "threshold": 20,
                 "window_amount": 1, "window_unit": "hours", "created_at": now + timedelta(seconds=n),
                 "state_changed_at": now} for n in range(start, min(alerts, start + 10_000))]
        db.session.execute(insert(Alert.__table__), rows)
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    return analyst.username, investigator.username, teams[0].path


def raw(sql, params, runs):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        db.session.execute(text(sql), params).all()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return samples[len(samples) // 2], p95(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_PROFILE": "CHEAPEST"})
    with app.app_context():
        upgrade()
        analyst, investigator, path = load(args.alerts)
    print(f"{args.alerts} alerts, none read; {args.runs} runs each; load: {os.getloadavg()[0]:.2f}\n")
    print("| who | bell fragment median / p95 ms | raw SQL median / p95 ms | ratio (p95) |")
    print("|---|---|---|---|")
    queries = {
        analyst: ("SELECT id, name, username, severity, created_at FROM alerts WHERE id > 0 "
                  "ORDER BY id DESC LIMIT 100", {}),
        investigator: ("SELECT id, name, username, severity, created_at FROM alerts WHERE id > 0 AND org_id IN "
                       "(SELECT id FROM orgs WHERE path LIKE :p) ORDER BY id DESC LIMIT 100", {"p": path + "%"}),
    }
    for username in (analyst, investigator):
        client = app.test_client()
        client.post("/auth/signin", data={"username": username, "password": PASSWORD})
        median, high, body = timed(client, "/notifications/bell", headers=HX, runs=args.runs, warm_up=True)
        assert "99+" in body, body[:400]
        with app.app_context():
            sql, params = queries[username]
            raw_median, raw_high = raw(sql, params, args.runs)
        print(f"| {username} | {median:.1f} / {high:.1f} | {raw_median:.2f} / {raw_high:.2f} | "
              f"{high / raw_high:.1f} |")


if __name__ == "__main__":
    main()
