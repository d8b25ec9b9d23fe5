"""Counting one actor's window for the rules their new events matched, and raising the alerts above threshold.

These are the rules whose exposure counts could not rule them out (alert_evaluation). One query reads
the actor's exposed events within the widest of their windows (index (user_id, event_at, id)); each
rule then counts its own window in Python, by signature group and bisection, so fifty rules cost one
read, not fifty. Events a rule already alerted on are left out by what its newest alert for this
actor covers: that alert took every matching event of its window (L - w, L] stored before it was
raised, and those are exactly the events with ids up to the newest id it holds (ids grow with commits),
while no event the rule alerted on lies after L or above that id. So the read starts at the hour of L
when the exposure counts show no later id before that hour. When the window at hand reaches before
what the alert covers (a late event, a rule whose window grew), the count is exact in SQL instead.
The unique (rule, event) index keeps any event from being alerted on twice either way.
"""
import logging
from bisect import bisect_right
from collections import defaultdict
from datetime import timedelta
from itertools import accumulate

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError

from webconsole.domain import exposure_counts
from webconsole.domain.alert_rules import UNITS, VECTORS, window_of
from webconsole.extensions import db
from webconsole.models import Alert, AlertChange, AlertEvent, FileEvent, User

log = logging.getLogger(__name__)
EXACT = "exact"
_TICK = timedelta(microseconds=1)  # the smallest step of a stored time
TOTAL_MAX = 2**63 - 1  # an alert's bytes, as a 64-bit column holds them
_COLUMNS = (FileEvent.id, FileEvent.event_at, FileEvent.exposure, FileEvent.event_type, FileEvent.file_category,
            FileEvent.file_size)


def file_matches(rule, row):
    """Does the event `row` pass the rule's per-file filters (size, a part of its name or path)?"""
    if rule.min_size is not None and (row.file_size or 0) < rule.min_size:
        return False
    if rule.name_part:
        part = rule.name_part.lower()
        return part in (row.file_name or "").lower() or part in (row.file_path or "").lower()
    return True


def _owner(actor):
    user_id, username = actor
    if user_id is not None:
        return FileEvent.user_id == user_id
    return and_(FileEvent.user_id.is_(None), FileEvent.username == username)


class _Group:
    """The actor's window events of one (exposure, event type, category), in event_at order."""

    def __init__(self, rows):
        self.rows = rows
        self.times = [r.event_at for r in rows]
        self.sizes = [0, *accumulate(r.file_size or 0 for r in rows)]
        self.max_ids = list(accumulate((r.id for r in rows), max))


def _covered(actor, rules):
    """{rule id: (L, newest event id, L - window)} of each rule's newest alert for this actor."""
    ids = [rule.id for rule in rules]
    user_id, username = actor
    owner = Alert.user_id == user_id if user_id is not None else and_(Alert.user_id.is_(None),
                                                                      Alert.username == username)
    newest = (select(Alert.rule_id, func.max(Alert.id).label("id")).where(owner, Alert.rule_id.in_(ids))
              .group_by(Alert.rule_id).subquery())
    latest = dict(db.session.execute(select(Alert.rule_id, func.max(Alert.last_event_at)).where(
        owner, Alert.rule_id.in_(ids)).group_by(Alert.rule_id)).all())
    found = {}
    for rule_id, last_at, amount, unit, top in db.session.execute(
            select(Alert.rule_id, Alert.last_event_at, Alert.window_amount, Alert.window_unit,
                   select(func.max(AlertEvent.event_id)).where(AlertEvent.alert_id == Alert.id).scalar_subquery())
            .join(newest, newest.c.id == Alert.id)):
        # A late alert (raised after one of newer events) covers too little to reason from: count exactly.
        found[rule_id] = (last_at, top or 0, last_at - UNITS[unit] * amount) if last_at >= latest[rule_id] else EXACT
    return found


def _read_from(actor, start, covered):
    """Where reading a rule's window (start, L] may begin: past what its newest alert covers, from the
    hour holding that alert's last event, when no event before that hour came late (an id above the
    alert's newest); else from the window's start."""
    if covered is None:
        return start
    last_at, top, _covered_from = covered
    hour = exposure_counts.start_of(exposure_counts.hour_of(last_at))
    if hour <= start or exposure_counts.newest_id_between(actor, start, last_at) > top:
        return start
    return hour - _TICK  # the read takes events after it: the hour's first moment included


def raise_for_actor(actor, wanted, names):
    """Raise the alerts of `wanted` ({rule: newest new match}) above threshold for `actor`; their ids."""
    covered = _covered(actor, wanted)
    reads = {}
    for rule, at in wanted.items():
        start, found = at - window_of(rule), covered.get(rule.id)
        if found is not EXACT and (found is None or (start >= found[2] and at >= found[0])):
            reads[rule] = _read_from(actor, start, found)
    groups = _read(actor, reads, wanted, names) if reads else {}
    raised = []
    for rule, at in wanted.items():
        alert_id = _check(rule, actor, at, groups, covered.get(rule.id))
        if alert_id is not None:
            raised.append(alert_id)
    return raised


def _read(actor, reads, wanted, names):
    """The actor's events that the rules of `reads` ({rule: read from}) may count, as _Groups."""
    start = min(reads.values())
    end = max(wanted[rule] for rule in reads)
    bits = 0
    emailed = False
    for rule in reads:
        bits, emailed = bits | VECTORS[rule.vector].bits, emailed or VECTORS[rule.vector].emailed
    exposed = FileEvent.exposure.op("&")(bits) != 0
    if emailed:
        exposed = exposed | (FileEvent.event_type == "EMAILED")
    columns = _COLUMNS + ((FileEvent.file_name, FileEvent.file_path) if names else ())
    # Core, not the ORM's row loading: these rows are only read, and there may be thousands.
    rows = db.session.connection().execute(select(*columns).where(_owner(actor), FileEvent.event_at > start,
                                                                  FileEvent.event_at <= end, exposed)
                                           .order_by(FileEvent.event_at, FileEvent.id)).all()
    grouped = defaultdict(list)
    for row in rows:
        grouped[row.exposure or 0, row.event_type, row.file_category or ""].append(row)
    return {key: _Group(members) for key, members in grouped.items()}


def _check(rule, actor, at, groups, covered):
    """The id of the alert raised for `rule`'s window ending at `at`, or None."""
    start = at - window_of(rule)
    if covered is EXACT:
        return _exact(rule, actor, at)
    last_at, top, covered_from = covered or (None, 0, None)
    if covered is not None and (start < covered_from or at < last_at):
        return _exact(rule, actor, at)  # the window reaches before what the newest alert covers
    vector, categories = VECTORS[rule.vector], set(rule.categories or ())
    per_file = rule.min_size is not None or bool(rule.name_part)
    count = total = 0
    parts = []
    for (exposure, event_type, category), group in groups.items():
        if not vector.matches(exposure, event_type) or (categories and category not in categories):
            continue
        i, j = bisect_right(group.times, start), bisect_right(group.times, at)
        if i == j:
            continue
        p = i if covered is None else min(j, max(i, bisect_right(group.times, last_at)))
        # Events up to L stored after the newest alert (ids above its newest) are rare: only then each is looked at.
        if per_file or (p > i and group.max_ids[p - 1] > top):
            # Late or filtered events among the covered ones: look at each.
            chosen = [r for r in group.rows[i:j] if (not per_file or file_matches(rule, r)) and (
                covered is None or r.event_at > last_at or r.id > top)]
            count, total = count + len(chosen), total + sum(r.file_size or 0 for r in chosen)
            parts.append(chosen)
            continue
        count, total = count + j - p, total + group.sizes[j] - group.sizes[p]
        parts.append(group.rows[p:j])
    if (count if rule.threshold_kind == "files" else total) <= rule.threshold:
        return None
    chosen = [r for part in parts for r in part]
    return _raise(rule, actor, [r.id for r in chosen], count, total, min(r.event_at for r in chosen),
                  max(r.event_at for r in chosen))


def rule_condition(rule):
    """The SQL condition on file events of a rule's vector and file filters."""
    vector = VECTORS[rule.vector]
    parts = []
    if vector.bits:
        parts.append(FileEvent.exposure.op("&")(vector.bits) != 0)
    if vector.emailed:
        parts.append(FileEvent.event_type == "EMAILED")
    condition = parts[0] if len(parts) == 1 else (parts[0] | parts[1])
    if rule.categories:
        condition = condition & FileEvent.file_category.in_(rule.categories)
    if rule.min_size is not None:
        condition = condition & (FileEvent.file_size >= rule.min_size)
    if rule.name_part:
        condition = condition & (FileEvent.file_name.icontains(rule.name_part, autoescape=True)
                                 | FileEvent.file_path.icontains(rule.name_part, autoescape=True))
    return condition


def _exact(rule, actor, at):
    """The window counted from SQL, leaving out each event the rule alerted on by the unique index."""
    alerted = exists().where(AlertEvent.rule_id == rule.id, AlertEvent.event_id == FileEvent.id)
    where = and_(_owner(actor), FileEvent.event_at > at - window_of(rule), FileEvent.event_at <= at,
                 rule_condition(rule), ~alerted)
    # Summed here, not by SQL: SQLite's sum() of 64-bit sizes can overflow.
    rows = db.session.execute(select(FileEvent.id, FileEvent.event_at, FileEvent.file_size).where(where)).all()
    count, total = len(rows), sum(row.file_size or 0 for row in rows)
    if not rows or (count if rule.threshold_kind == "files" else total) <= rule.threshold:
        return None
    return _raise(rule, actor, [row.id for row in rows], count, total, min(row.event_at for row in rows),
                  max(row.event_at for row in rows))


def _raise(rule, actor, ids, count, total, first, last):
    """Store one alert of these events with its history's first entry; its id, or None when another
    evaluation alerted on some of them meanwhile (overlapping id ranges on PostgreSQL)."""
    user_id, username = actor
    org_id = None
    if user_id is not None:
        found = db.session.execute(select(User.username, User.org_id).where(User.id == user_id)).first()
        if found is not None:
            username, org_id = found
    if org_id is None:
        org_id = db.session.scalar(select(FileEvent.org_id).where(FileEvent.id == max(ids)))
    try:
        with db.session.begin_nested():
            alert = Alert(rule_id=rule.id, user_id=user_id, org_id=org_id, username=username, name=rule.name,
                          severity=rule.severity, vector=rule.vector, state="open", file_count=count,
                          total_bytes=min(total, TOTAL_MAX), first_event_at=first, last_event_at=last,
                          threshold_kind=rule.threshold_kind, threshold=rule.threshold,
                          window_amount=rule.window_amount, window_unit=rule.window_unit)
            db.session.add(alert)
            db.session.flush()
            db.session.execute(AlertEvent.__table__.insert(),
                               [{"alert_id": alert.id, "event_id": i, "rule_id": rule.id} for i in ids])
            db.session.add(AlertChange(alert_id=alert.id, kind="raised", to_state="open"))
    except IntegrityError:
        log.info("rule %s: events of %s already alerted on by a concurrent evaluation", rule.id, actor)
        return None
    return alert.id
