"""Backup alert levels: OK, Warning or Critical, from each org's "not backed up" thresholds."""
from datetime import timedelta

from sqlalchemy import and_, case, false, func, literal, or_, select

from webconsole.domain.settings import values_by_org
from webconsole.extensions import db
from webconsole.models import Device, OrgTotals
from webconsole.models.base import utcnow

OK, WARNING, CRITICAL = 0, 1, 2
LEVELS = {"ok": OK, "warning": WARNING, "critical": CRITICAL}


def thresholds():
    """{(warning_days, critical_days): [org ids]} over every org, from their General settings."""
    grouped = {}
    for org_id, values in values_by_org("general").items():
        grouped.setdefault((values["warning_days"], values["critical_days"]), []).append(org_id)
    return grouped


def _overdue(days_index, grouped, now):
    # A device that never completed a backup counts from when it registered.
    last = func.coalesce(Device.last_completed_backup, Device.created_at)
    return or_(false(), *[and_(Device.org_id.in_(ids), last < now - timedelta(days=limits[days_index]))
                          for limits, ids in grouped.items()])


def level_expression(grouped=None, now=None):
    """SQL for a device's alert level (0 OK, 1 Warning, 2 Critical); only active devices alert."""
    grouped = thresholds() if grouped is None else grouped
    now = now or utcnow()
    active = Device.status == "active"
    return case((and_(active, _overdue(1, grouped, now)), literal(CRITICAL)),
                (and_(active, _overdue(0, grouped, now)), literal(WARNING)), else_=literal(OK))


def level_condition(level, grouped=None, now=None):
    """SQL that is true for devices at exactly `level` ("ok", "warning" or "critical")."""
    grouped = thresholds() if grouped is None else grouped
    now = now or utcnow()
    active = Device.status == "active"
    critical = and_(active, _overdue(1, grouped, now))
    warning = and_(active, _overdue(0, grouped, now), ~_overdue(1, grouped, now))
    return {"critical": critical, "warning": warning, "ok": ~or_(critical, warning)}[level]


def count_by_level(org_ids=None, now=None):
    """{org id: {OK: n, WARNING: n, CRITICAL: n}} over active devices, for all orgs or `org_ids`.

    Counted by index ranges per threshold group rather than by working out every device's level:
    a few milliseconds at 200 000 devices where the CASE expression takes over 100. Only the overdue
    devices are counted; the active ones are kept per org (OrgTotals).
    """
    now = now or utcnow()
    result = {}
    for (warning_days, critical_days), ids in thresholds().items():
        if org_ids is not None:
            ids = [i for i in ids if i in org_ids]
        if not ids:
            continue
        base = (Device.status == "active", Device.org_id.in_(ids))
        totals = dict(db.session.execute(
            select(OrgTotals.org_id, OrgTotals.devices).where(OrgTotals.org_id.in_(ids))).all())
        overdue = {}
        for days in (warning_days, critical_days):
            since = now - timedelta(days=days)
            backed_up_before = _per_org(select(Device.org_id, func.count()).where(
                *base, Device.last_completed_backup < since))
            never_since = _per_org(select(Device.org_id, func.count()).where(
                *base, Device.last_completed_backup.is_(None), Device.created_at < since))
            overdue[days] = {o: backed_up_before.get(o, 0) + never_since.get(o, 0) for o in ids}
        for o in ids:
            critical = overdue[critical_days][o]
            warning = overdue[warning_days][o] - critical
            result[o] = {OK: totals.get(o, 0) - warning - critical, WARNING: warning, CRITICAL: critical}
    return result


def _per_org(stmt):
    return dict(db.session.execute(stmt.group_by(Device.org_id)).all())
