"""Retention: sign-in attempts, audit entries and finished jobs older than their server property are pruned.

Pruning is itself audited: one entry saying how many of each went and the cutoffs, so the trail
shows that (and when) its older part was removed by the rule rather than by someone.
"""
from datetime import timedelta

from sqlalchemy import delete, select

from webconsole.domain import audit, jobs, properties
from webconsole.extensions import db
from webconsole.models import AuditEvent, SignInAttempt
from webconsole.models.base import utcnow

BATCH = 10_000  # rows deleted per transaction, so a first prune of years of entries never holds a long lock


def _prune(model, cutoff):
    """Delete `model` rows from before `cutoff`, BATCH at a time, committing each; how many."""
    total = 0
    while True:
        ids = select(model.id).where(model.at < cutoff).order_by(model.id).limit(BATCH)
        removed = db.session.execute(delete(model).where(model.id.in_(ids.scalar_subquery()))
                                     .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        total += removed
        if removed < BATCH:
            return total


def prune(now=None):
    """Prune what is older than the retention properties say; {what: (how many, cutoff)}, audited."""
    now = now or utcnow()
    cutoffs = {
        "signin_attempts": now - timedelta(days=properties.value("retention.signin_days")),
        "audit_entries": now - timedelta(days=properties.value("retention.audit_days")),
        "jobs": now - timedelta(days=properties.value("retention.jobs_days")),
    }
    counts = {
        "signin_attempts": _prune(SignInAttempt, cutoffs["signin_attempts"]),
        "audit_entries": _prune(AuditEvent, cutoffs["audit_entries"]),
        "jobs": jobs.prune_finished(cutoffs["jobs"]),
    }
    audit.record("retention.prune", actor_username="", address="",
                 details={name: {"pruned": counts[name], "before": cutoffs[name].isoformat() + "Z"} for name in counts})
    db.session.commit()
    return {name: (counts[name], cutoffs[name]) for name in counts}
