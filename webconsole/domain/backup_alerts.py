"""Backup alert levels: OK, Warning or Critical, from each org's "not backed up" thresholds.

The orgs fall into groups by their thresholds, each group told by where its values come from: the
orgs with General settings of their own (few), as path prefixes, so that neither Python nor SQL goes
over every org (20 000 orgs, one bound parameter each, would pass SQLite's limit on parameters).
The last group is told apart as "none of the others": in the usual case (every org inherits the top
org's values, or the defaults) it is the only one, and no condition is needed at all.
"""
from datetime import timedelta

from sqlalchemy import and_, case, func, literal, or_, select, true
from sqlalchemy.orm import aliased

from webconsole.domain import settings_spec
from webconsole.domain.settings import values_by_org
from webconsole.extensions import db
from webconsole.models import Device, Org, OrgSettings, OrgTotals
from webconsole.models.base import utcnow
from webconsole.store.id_lists import id_table

OK, WARNING, CRITICAL = 0, 1, 2
LEVELS = {"ok": OK, "warning": WARNING, "critical": CRITICAL}
# Beyond this many orgs with General settings of their own, their prefixes would make a long condition:
# the groups are then worked out org by org and passed as lists of ids (one bound value each).
OWNERS_MAX = 100
_Member = aliased(Org, name="threshold_org")


def thresholds():
    """[((warning_days, critical_days), where)]: the threshold groups, `where(org)` the SQL condition
    that an org (an Org entity or alias) is in the group; the last group's is None (every org in no
    other group)."""
    owners = db.session.execute(
        select(Org.path, OrgSettings.locked, OrgSettings.values).join(OrgSettings, OrgSettings.org_id == Org.id)
        .where(OrgSettings.group == "general").order_by(Org.path).limit(OWNERS_MAX + 1)).all()
    regions = _listed() if len(owners) > OWNERS_MAX else _regions(owners)
    *others, last = sorted(regions.items(), key=lambda item: (item[0] == _main_limits(owners), item[0]))
    return [(limits, lambda org, conditions=conditions: or_(*[c(org) for c in conditions]))
            for limits, conditions in others] + [(last[0], None)]


def _limits(values):
    values = {**settings_spec.defaults("general"), **(values or {})}
    return values["warning_days"], values["critical_days"]


def _main_limits(owners):
    # The group of the top-most owner (or of the defaults) is the one likeliest to hold most orgs.
    return _limits(owners[0].values if owners and owners[0].path.count("/") == 2 else None)


def _strictly_below(path, above):
    return path != above and path.startswith(above)


def _regions(owners):
    """{limits: [conditions on the org's path]}: each owner's orgs are its subtree less the subtrees of
    the nearest owners below it, or all of its subtree when it locks the group; an owner below a lock
    has none. The orgs below no owner take the defaults."""
    regions = {}
    for owner in owners:
        if any(a.locked and _strictly_below(owner.path, a.path) for a in owners):
            continue
        below = [b.path for b in owners if _strictly_below(b.path, owner.path)]
        nearest = [] if owner.locked else [b for b in below if not any(_strictly_below(b, c) for c in below)]
        regions.setdefault(_limits(owner.values), []).append(
            lambda org, path=owner.path, nearest=nearest: and_(
                org.path.startswith(path, autoescape=True),
                *[~org.path.startswith(b, autoescape=True) for b in nearest]))
    tops = [o.path for o in owners if not any(_strictly_below(o.path, a.path) for a in owners)]
    regions.setdefault(_limits(None), []).append(
        lambda org: and_(true(), *[~org.path.startswith(t, autoescape=True) for t in tops]))
    return regions


def _listed():
    """{limits: [a condition listing the group's orgs]}, worked out org by org (many owners)."""
    grouped = {}
    for org_id, values in values_by_org("general").items():
        grouped.setdefault((values["warning_days"], values["critical_days"]), []).append(org_id)
    return {limits: [lambda org, ids=ids: org.id.in_(id_table(ids))] for limits, ids in grouped.items()}


def _in(where, org_column):
    """`where` as a condition on an org id column: a select of the group's orgs, or on the Org itself."""
    if org_column is Org.id:
        return where(Org)  # the row's own org: its path says, with no subquery to run for every row
    return org_column.in_(select(_Member.id).where(where(_Member)))


def _members(org_column, index, grouped):
    """SQL: is the org in `org_column` one of group number `index` of `grouped`?"""
    where = grouped[index][1]
    if where is not None:
        return _in(where, org_column)
    others = [_in(w, org_column) for _limits, w in grouped[:-1]]
    return ~or_(*others) if others else true()


def _since(org_column, days_index, grouped, now):
    """SQL for the time before which the last backup of a device of the org in `org_column` is overdue."""
    cutoff = lambda limits: literal(now - timedelta(days=limits[days_index]))  # noqa: E731
    *others, (last, _none) = grouped
    if not others:
        return cutoff(last)
    return case(*[(_in(where, org_column), cutoff(limits)) for limits, where in others], else_=cutoff(last))


def _overdue(days_index, grouped, now):
    # A device that never completed a backup counts from when it registered.
    last = func.coalesce(Device.last_completed_backup, Device.created_at)
    return last < _since(Device.org_id, days_index, grouped, now)


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


def overdue_counts(org_column, grouped=None, now=None):
    """(warning, critical): SQL counting the active devices of the org in `org_column` (a correlated
    column, one org per row; Org.id: the row's org, told by its path) at each level, by ranges of the
    (status, org_id, last backup) index: a report page counts its own orgs only."""
    grouped = thresholds() if grouped is None else grouped
    now = now or utcnow()
    counts = []
    for days_index in (0, 1):
        since = _since(org_column, days_index, grouped, now)
        base = (Device.status == "active", Device.org_id == org_column)
        backed_up_before = select(func.count()).where(*base, Device.last_completed_backup < since)
        never_since = select(func.count()).where(*base, Device.last_completed_backup.is_(None),
                                                 Device.created_at < since)
        counts.append(backed_up_before.scalar_subquery() + never_since.scalar_subquery())
    overdue_warning, critical = counts
    return overdue_warning - critical, critical


def count_by_level(within=None, now=None):
    """{org id: {OK: n, WARNING: n, CRITICAL: n}} over active devices, for all orgs or the orgs of the
    select `within` (orgs without active devices left out).

    Counted by index ranges per threshold group rather than by working out every device's level:
    a few milliseconds at 200 000 devices where the CASE expression takes over 100. Only the overdue
    devices are counted; the active ones are kept per org (OrgTotals).
    """
    now = now or utcnow()
    grouped = thresholds()
    result = {}
    for index, ((warning_days, critical_days), _orgs) in enumerate(grouped):
        member = _members(Device.org_id, index, grouped)
        scoped = [member] if within is None else [member, Device.org_id.in_(within)]
        in_totals = [_members(OrgTotals.org_id, index, grouped)]
        if within is not None:
            in_totals.append(OrgTotals.org_id.in_(within))
        totals = dict(db.session.execute(
            select(OrgTotals.org_id, OrgTotals.devices).where(*in_totals, OrgTotals.devices > 0)).all())
        overdue = {}
        for days in (warning_days, critical_days):
            since = now - timedelta(days=days)
            base = (Device.status == "active", *scoped)
            backed_up_before = _per_org(select(Device.org_id, func.count()).where(
                *base, Device.last_completed_backup < since))
            never_since = _per_org(select(Device.org_id, func.count()).where(
                *base, Device.last_completed_backup.is_(None), Device.created_at < since))
            overdue[days] = {o: backed_up_before.get(o, 0) + never_since.get(o, 0)
                             for o in backed_up_before.keys() | never_since.keys()}
        for o in totals.keys() | overdue[warning_days].keys():
            critical = overdue[critical_days].get(o, 0)
            warning = overdue[warning_days].get(o, 0) - critical
            result[o] = {OK: totals.get(o, 0) - warning - critical, WARNING: warning, CRITICAL: critical}
    return result


def _per_org(stmt):
    return dict(db.session.execute(stmt.group_by(Device.org_id)).all())
