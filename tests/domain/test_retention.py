"""Retention: old sign-in attempts, audit entries and finished jobs are pruned by server properties, audited."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from webconsole.domain import properties, retention
from webconsole.extensions import db
from webconsole.models import AuditEvent, Job, SignInAttempt, User
from webconsole.models.base import utcnow


@pytest.fixture(autouse=True)
def job_files(app, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")


def _age(app, days):
    """Add a sign-in attempt, an audit entry and a finished job `days` old."""
    with app.app_context():
        at = utcnow() - timedelta(days=days)
        db.session.add(SignInAttempt(username=f"{days}@acme.test", address="192.0.2.1", at=at, succeeded=False))
        db.session.add(AuditEvent(event_type="signin", actor_username=f"{days}@acme.test", at=at))
        db.session.add(Job(kind="test", label=f"{days} days", state="succeeded", finished_at=at))
        db.session.commit()


def test_retention_keeps_90_days_of_sign_ins_365_of_audit_and_says_so(app, world):
    for days in (10, 100, 400):
        _age(app, days)
    with app.app_context():
        pruned = retention.prune()
        assert {name: n for name, (n, _cutoff) in pruned.items()} == {
            "signin_attempts": 2, "audit_entries": 1, "jobs": 2}
        assert db.session.scalars(select(SignInAttempt.username)).all() == ["10@acme.test"]
        assert sorted(db.session.scalars(select(AuditEvent.actor_username).where(
            AuditEvent.event_type == "signin"))) == ["100@acme.test", "10@acme.test"]
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.event_type == "retention.prune"))
        assert entry.details["audit_entries"]["pruned"] == 1
        cutoff = pruned["audit_entries"][1]
        assert entry.details["audit_entries"]["before"] == cutoff.isoformat() + "Z"
        assert abs(utcnow() - timedelta(days=365) - cutoff) < timedelta(minutes=1)


def test_the_retention_properties_move_the_cutoffs(app, world):
    _age(app, 40)
    with app.app_context():
        admin = db.session.get(User, world["admin"])
        properties.set_value(admin, "retention.signin_days", "30")
        properties.set_value(admin, "retention.audit_days", "30")
        pruned = retention.prune()
        assert pruned["signin_attempts"][0] == 1 and pruned["audit_entries"][0] == 1
