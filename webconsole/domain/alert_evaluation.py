"""Evaluating alert rules as file events are stored, incrementally, through every ingest path.

After each commit that adds file events (events.on_events_stored) only those events are read, by
their id range, and matched against the enabled rules in Python. For each (rule, actor) with new
matches, the matching events of that actor within the rule's window ending at the newest new match
are counted in SQL (index (user_id, event_at, id)), leaving out the events the rule already alerted
on; above the threshold they become one alert. (rule, event) is unique in alert_events, so the same
events never raise the same alert twice: a retried batch stores nothing new and tells nobody, a
re-import the same, and two evaluations racing over the same events insert once.
"""
import logging
from collections import defaultdict

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError

from webconsole.domain import alert_signals, events
from webconsole.domain.alert_rules import VECTORS, window_of
from webconsole.extensions import db
from webconsole.models import Alert, AlertChange, AlertEvent, AlertRule, FileEvent, User, WatchlistMember

log = logging.getLogger(__name__)
_NEW_COLUMNS = (FileEvent.id, FileEvent.user_id, FileEvent.username, FileEvent.org_id, FileEvent.event_at,
                FileEvent.exposure, FileEvent.event_type, FileEvent.file_category, FileEvent.file_size)


@events.on_events_stored
def evaluate_stored(stored):
    """Evaluate the enabled rules on the events one commit added."""
    evaluate_range(stored.first_id, stored.last_id)


def evaluate_range(first_id, last_id):
    """Raise the alerts that the events with ids first_id..last_id complete; the new alerts' ids."""
    try:
        raised = _evaluate(first_id, last_id)
    except BaseException:
        db.session.rollback()
        raise
    alert_signals.alerts_raised(raised)
    return raised


def enabled_rules():
    """The rules that evaluate events now."""
    return db.session.scalars(select(AlertRule).where(AlertRule.enabled.is_(True), AlertRule.deleted_at.is_(None))
                              .order_by(AlertRule.id)).all()


def _evaluate(first_id, last_id):
    rules = enabled_rules()
    if not rules:
        db.session.rollback()  # end the read: a subscriber holds no transaction open
        return []
    names = any(rule.name_part for rule in rules)
    columns = _NEW_COLUMNS + ((FileEvent.file_name, FileEvent.file_path) if names else ())
    rows = db.session.execute(select(*columns).where(FileEvent.id.between(first_id, last_id))).all()
    newest = _newest_matches(rules, rows)
    raised = []
    for (rule, actor), at in newest.items():
        alert = _raise_if_above(rule, actor, at)
        if alert is not None:
            raised.append(alert)
    db.session.commit()
    return raised


def _groups(rows):
    """{(actor, exposure, event type, category): [rows]}: rows a rule without per-file filters treats alike."""
    groups = defaultdict(list)
    for row in rows:
        # The actor: the user the events belong to, or the name they gave when no user is known.
        actor = (row.user_id, "") if row.user_id is not None else (None, row.username or "")
        groups[actor, row.exposure or 0, row.event_type, row.file_category or ""].append(row)
    return groups


def _watched(rules, actors):
    """{watchlist: user ids} of the watchlists some rule watches, among `actors`' users."""
    lists = {rule.watch for rule in rules if rule.watch in ("departing", "high_risk")}
    user_ids = {user_id for user_id, _name in actors if user_id is not None}
    found = defaultdict(set)
    if lists and user_ids:
        for watchlist, user_id in db.session.execute(select(WatchlistMember.watchlist, WatchlistMember.user_id).where(
                WatchlistMember.watchlist.in_(lists), WatchlistMember.user_id.in_(user_ids))):
            found[watchlist].add(user_id)
    return found


def _file_matches(rule, row):
    if rule.min_size is not None and (row.file_size or 0) < rule.min_size:
        return False
    if rule.name_part:
        part = rule.name_part.lower()
        return part in (row.file_name or "").lower() or part in (row.file_path or "").lower()
    return True


def _newest_matches(rules, rows):
    """{(rule, actor): the newest event_at among the new events matching the rule}."""
    groups = _groups(rows)
    watched = _watched(rules, {key[0] for key in groups})
    newest = {}
    for rule in rules:
        vector, categories = VECTORS[rule.vector], set(rule.categories or ())
        users = {u.id for u in rule.users} if rule.watch == "users" else watched.get(rule.watch)
        per_file = rule.min_size is not None or bool(rule.name_part)
        for (actor, exposure, event_type, category), members in groups.items():
            if not vector.matches(exposure, event_type) or (categories and category not in categories):
                continue
            if rule.watch != "everyone" and actor[0] not in (users or ()):
                continue
            matching = [row for row in members if _file_matches(rule, row)] if per_file else members
            if matching:
                at = max(row.event_at for row in matching)
                if at > newest.get((rule, actor), at.min):
                    newest[rule, actor] = at
    return newest


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


def _window_events(rule, actor, at):
    """The condition: the actor's events matching the rule within its window ending at `at`, not yet alerted on."""
    user_id, username = actor
    owner = FileEvent.user_id == user_id if user_id is not None else and_(FileEvent.user_id.is_(None),
                                                                          FileEvent.username == username)
    alerted = exists().where(AlertEvent.rule_id == rule.id, AlertEvent.event_id == FileEvent.id)
    return and_(owner, FileEvent.event_at > at - window_of(rule), FileEvent.event_at <= at, rule_condition(rule),
                ~alerted)


def _raise_if_above(rule, actor, at):
    """An alert for the actor's window ending at `at` when it is above the rule's threshold, else None."""
    where = _window_events(rule, actor, at)
    count, total, first, last = db.session.execute(select(
        func.count(), func.coalesce(func.sum(FileEvent.file_size), 0), func.min(FileEvent.event_at),
        func.max(FileEvent.event_at)).where(where)).one()
    if (count if rule.threshold_kind == "files" else total) <= rule.threshold:
        return None
    ids = db.session.scalars(select(FileEvent.id).where(where)).all()
    user_id, username = actor
    org_id = None
    if user_id is not None:
        user_row = db.session.execute(select(User.username, User.org_id).where(User.id == user_id)).first()
        if user_row is not None:
            username, org_id = user_row
    if org_id is None:
        org_id = db.session.scalar(select(FileEvent.org_id).where(FileEvent.id == max(ids)))
    try:
        with db.session.begin_nested():
            alert = Alert(rule_id=rule.id, user_id=user_id, org_id=org_id, username=username, name=rule.name,
                          severity=rule.severity, vector=rule.vector, state="open", file_count=count,
                          total_bytes=total, first_event_at=first, last_event_at=last,
                          threshold_kind=rule.threshold_kind, threshold=rule.threshold,
                          window_amount=rule.window_amount, window_unit=rule.window_unit)
            db.session.add(alert)
            db.session.flush()
            db.session.execute(AlertEvent.__table__.insert(),
                               [{"alert_id": alert.id, "event_id": i, "rule_id": rule.id} for i in ids])
            db.session.add(AlertChange(alert_id=alert.id, kind="raised", to_state="open"))
    except IntegrityError:
        # Another evaluation alerted on some of these events meanwhile (overlapping id ranges on PostgreSQL):
        # they are its alert's; the rest are counted again by the next events of this actor.
        log.info("rule %s: events of %s already alerted on by a concurrent evaluation", rule.id, actor)
        return None
    return alert.id
