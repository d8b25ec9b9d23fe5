"""Evaluating alert rules as file events are stored, incrementally, through every ingest path.

After each commit that adds file events (events.on_events_stored) only those events are read, by
their id range, and matched against the enabled rules in Python. For each (rule, actor) with new
matches, the actor's exposure counts (webconsole.domain.exposure_counts) bound the rule's count in its
window ending at the newest new match; only a rule whose bound exceeds its threshold has that window's
events read and counted exactly (webconsole.domain.alert_windows), leaving out the events the rule
already alerted on; above the threshold they become one alert. (rule, event) is unique in alert_events, so the same
events never raise the same alert twice: a retried batch stores nothing new and tells nobody, a
re-import the same, and two evaluations racing over the same events insert once.
"""
from collections import defaultdict

from sqlalchemy import select

from webconsole.domain import alert_signals, alert_windows, events, exposure_counts
from webconsole.domain.alert_rules import VECTORS, window_of
from webconsole.domain.alert_windows import file_matches
from webconsole.extensions import db
from webconsole.models import AlertRule, FileEvent, WatchlistMember

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
    rows = db.session.connection().execute(select(*columns).where(FileEvent.id.between(first_id, last_id))).all()
    by_actor = defaultdict(dict)
    kinds = _Kinds(rules)
    for (rule, actor), at in _newest_matches(rules, rows, kinds).items():
        by_actor[actor][rule] = at
    raised = []
    for actor, wanted in _over_bounds(by_actor, kinds).items():
        if wanted:
            raised += alert_windows.raise_for_actor(actor, wanted, names)
    db.session.commit()
    return raised


def _over_bounds(by_actor, kinds):
    """{actor: {rule: newest new match}} of the rules of `by_actor` that the exposure counts leave able to
    fire. First each actor's total over all their windows' days, against their rules' least threshold
    (most actors of an import do far less than any rule counts); then, per rule, its own window's kinds."""
    windows = {actor: [(at - window_of(rule), at) for rule, at in wanted.items()] for actor, wanted in by_actor.items()}
    if not windows:
        return {}
    totals = exposure_counts.totals(windows)
    busy = []
    for actor, wanted in by_actor.items():
        files, size = totals.get(actor, (0, 0))
        if any((files if rule.threshold_kind == "files" else size) > rule.threshold for rule in wanted):
            busy.append(actor)
    bounds = exposure_counts.bounds_for({actor: windows[actor] for actor in busy}) if busy else {}
    return {actor: _over_bound(bounds[actor], by_actor[actor], kinds) for actor in busy}


def _over_bound(bounds, wanted, kinds):
    """The rules of `wanted` ({rule: newest new match}) whose window's exposure counts (`bounds`, the
    actor's) exceed their threshold: only these can fire, and only their windows are read."""
    return {rule: at for rule, at in wanted.items()
            if bounds.of(at - window_of(rule), at, lambda kind, rule=rule: rule in kinds.rules_for(kind),
                         rule.threshold_kind) > rule.threshold}


class _Kinds:
    """The rules whose vector and categories a kind of event, (exposure, event type, category), matches:
    worked out once per kind in an evaluation, not once per actor."""

    def __init__(self, rules):
        self.rules = [(rule, VECTORS[rule.vector], set(rule.categories or ())) for rule in rules]
        self.found = {}

    def rules_for(self, kind):
        found = self.found.get(kind)
        if found is None:
            exposure, event_type, category = kind
            found = self.found[kind] = {rule for rule, vector, categories in self.rules if vector.matches(
                exposure, event_type) and (not categories or category in categories)}
        return found


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


def _newest_matches(rules, rows, kinds):
    """{(rule, actor): the newest event_at among the new events matching the rule}."""
    groups = _groups(rows)
    watched = _watched(rules, {key[0] for key in groups})
    watching = {}
    for rule in rules:
        watching[rule] = (None if rule.watch == "everyone" else
                          {u.id for u in rule.users} if rule.watch == "users" else watched.get(rule.watch, set()))
    newest = {}
    for (actor, *kind), members in groups.items():
        latest = None
        for rule in kinds.rules_for(tuple(kind)):
            users = watching[rule]
            if users is not None and actor[0] not in users:
                continue
            if rule.min_size is not None or rule.name_part:
                matching = [row for row in members if file_matches(rule, row)]
                if not matching:
                    continue
                at = max(row.event_at for row in matching)
            else:
                at = latest = latest or max(row.event_at for row in members)
            if at > newest.get((rule, actor), at.min):
                newest[rule, actor] = at
    return newest
