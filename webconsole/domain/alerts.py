"""Alerts: the list an investigator triages, an alert's events and history, and the changes of triage.

An alert is within an actor's reach when its org (the subject user's org when it fired) is within the
actor's alerts.manage scope. Every change is kept in the alert's history and audited.
"""
from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select, update

from webconsole.domain import audit
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.scope import reaches, restrict, scope_for
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import Alert, AlertChange, AlertEvent, FileEvent, Org, User, WatchlistMember
from webconsole.models.base import utcnow

STATES = ("open", "in_progress", "pending", "resolved")
NOTE_MAX = 4000
EVENTS_SHOWN = 500  # an alert's events on its page; the rest are a Forensic Search away
BULK_INLINE_MAX = 300  # more alerts than this are changed by a job
PERMISSION = "alerts.manage"


def _scoped(stmt, actor):
    return restrict(stmt, scope_for(actor, PERMISSION), org_column=Alert.org_id, user_column=Alert.user_id)


def _filtered(stmt, filters, q=""):
    """`stmt` narrowed by the alert list's typed filters (state, severity, rule, user, watchlist, since, until)."""
    for name in ("state", "severity"):
        if filters.get(name):
            stmt = stmt.where(getattr(Alert, name) == filters[name])
    if filters.get("rule"):
        stmt = stmt.where(Alert.rule_id == filters["rule"])
    if filters.get("user"):
        stmt = stmt.where(Alert.user_id == filters["user"])
    if filters.get("watchlist"):
        stmt = stmt.where(exists().where(WatchlistMember.watchlist == filters["watchlist"],
                                         WatchlistMember.user_id == Alert.user_id))
    if filters.get("since"):
        stmt = stmt.where(Alert.created_at >= datetime.combine(filters["since"], time()))
    if filters.get("until"):
        stmt = stmt.where(Alert.created_at < datetime.combine(filters["until"], time()) + timedelta(days=1))
    if q:
        stmt = stmt.where(Alert.username.icontains(q, autoescape=True) | Alert.name.icontains(q, autoescape=True))
    return stmt


def alert_list(actor, params):
    """Select of the alerts within `actor`'s reach, for their list."""
    stmt = select(Alert.id, Alert.created_at, Alert.name, Alert.severity, Alert.state, Alert.username,
                  Alert.vector, Alert.file_count, Alert.total_bytes, Alert.last_event_at,
                  User.username.label("assignee")).outerjoin(User, User.id == Alert.assignee_id)
    return _filtered(_scoped(stmt, actor), params.filters, params.q)


def get_alert(actor, alert_id):
    """The alert with this id within `actor`'s reach, or NotFound (we do not say which)."""
    alert_id = parse_id(alert_id)
    alert = db.session.get(Alert, alert_id) if alert_id else None
    org = db.session.get(Org, alert.org_id) if alert is not None and alert.org_id else None
    if alert is None or not reaches(scope_for(actor, PERMISSION), org, alert.user_id):
        raise NotFound(_l("No such alert."))
    return alert


def alert_events(alert, limit=EVENTS_SHOWN):
    """(the alert's file events still stored, newest first, at most `limit`; how many it has in all)."""
    total = db.session.scalar(select(func.count()).select_from(AlertEvent).where(AlertEvent.alert_id == alert.id))
    rows = db.session.execute(select(FileEvent.id, FileEvent.event_id, FileEvent.event_at, FileEvent.event_type,
                                     FileEvent.file_name, FileEvent.file_path, FileEvent.file_size,
                                     FileEvent.exposure, FileEvent.file_category, FileEvent.sync_destination)
                              .join(AlertEvent, and_(AlertEvent.event_id == FileEvent.id,
                                                     AlertEvent.alert_id == alert.id))
                              .order_by(FileEvent.event_at.desc(), FileEvent.id.desc()).limit(limit)).all()
    return rows, total


def history(alert):
    """The alert's history, oldest first, with the assignee's name."""
    return db.session.execute(select(AlertChange, User.username).outerjoin(User, User.id == AlertChange.assignee_id)
                              .where(AlertChange.alert_id == alert.id).order_by(AlertChange.id)).all()


def investigators(actor, alert=None):
    """[(id, username)] of active users holding alerts.manage who may be assigned (to `alert`)."""
    from webconsole.models import Role, RolePermission, user_roles
    holders = (select(User.id, User.username, User.org_id).join(user_roles, user_roles.c.user_id == User.id)
               .join(Role, Role.id == user_roles.c.role_id).join(RolePermission, RolePermission.role_id == Role.id)
               .where(RolePermission.permission == PERMISSION, User.status == "active").distinct()
               .order_by(User.username).limit(200))
    found = []
    for user_id, username, _org in db.session.execute(holders):
        user = db.session.get(User, user_id)
        if alert is None or alert.org_id is None or reaches(scope_for(user, PERMISSION), db.session.get(
                Org, alert.org_id), alert.user_id):
            found.append((user_id, username))
    return found


def _note(note, required=False):
    note = (note if isinstance(note, str) else "").strip()
    if "\x00" in note:
        raise ValidationError(_l("Remove the control characters from this value."), field="note")
    if required and not note:
        raise ValidationError(_l("Say why you resolve the alert in a note."), field="note", code="validation.required")
    if len(note) > NOTE_MAX:
        raise ValidationError(_l("Enter at most %(max)d characters.", max=NOTE_MAX), field="note",
                              code="validation.length")
    return note


def _state(state):
    if state not in STATES:
        raise ValidationError(_l("Choose a value from the list."), field="state", code="validation.choice")
    return state


def _change(actor, alert, kind, **values):
    db.session.add(AlertChange(alert_id=alert.id, actor_id=actor.id, actor_username=actor.username, kind=kind,
                               **values))


def change_state(actor, alert, state, note=""):
    """Move an alert to `state` (resolving it needs a note); audited."""
    state, note = _state(state), _note(note, required=state == "resolved")
    if state == alert.state and not note:
        return alert
    _change(actor, alert, "state", from_state=alert.state, to_state=state, note=note)
    audit.record("alert.state", actor=actor, obj=alert, object_label=alert.name,
                 details={"changes": {"state": [alert.state, state]}})
    alert.state, alert.state_changed_at, alert.state_changed_by = state, utcnow(), actor.id
    db.session.commit()
    return alert


def assign(actor, alert, assignee_id):
    """Assign an alert to an investigator who may triage it (None: nobody); audited."""
    assignee = None
    if assignee_id not in (None, ""):
        chosen = parse_id(assignee_id)
        if chosen is None or chosen not in {i for i, _name in investigators(actor, alert)}:
            raise ValidationError(_l("Choose an investigator from the list."), field="assignee",
                                  code="validation.choice")
        assignee = db.session.get(User, chosen)
    new_id = assignee.id if assignee else None
    if new_id != alert.assignee_id:
        _change(actor, alert, "assigned", assignee_id=new_id)
        audit.record("alert.assign", actor=actor, obj=alert, object_label=alert.name,
                     details={"assignee": assignee.username if assignee else ""})
        alert.assignee_id = new_id
    db.session.commit()
    return alert


def add_note(actor, alert, note):
    """Add a note to an alert's history; audited."""
    note = _note(note)
    if not note:
        raise ValidationError(_l("Enter a note."), field="note", code="validation.required")
    _change(actor, alert, "note", note=note)
    audit.record("alert.note", actor=actor, obj=alert, object_label=alert.name)
    db.session.commit()
    return alert


def selected_ids(actor, ids):
    """The ids among `ids` (strings from a form) of alerts within `actor`'s reach."""
    wanted = {i for i in (parse_id(v) for v in ids) if i is not None}
    if not wanted:
        return []
    return db.session.scalars(_scoped(select(Alert.id), actor).where(Alert.id.in_(wanted)).order_by(Alert.id)).all()


def matching_ids(actor, filters, q="", after=0, limit=None):
    """Ids, ascending after `after`, of the alerts within `actor`'s reach that the list's filters match."""
    stmt = _filtered(_scoped(select(Alert.id), actor), filters, q).where(Alert.id > after).order_by(Alert.id)
    return db.session.scalars(stmt.limit(limit) if limit else stmt).all()


def check_bulk(state, note):
    """The state and note of a bulk change, checked before a job is started for it."""
    return _state(state), _note(note, required=state == "resolved")


def bulk_change(actor, ids, state, note=""):
    """Move the alerts with these ids (already within the actor's reach) to `state`, with the note; audited
    once. How many changed."""
    state, note = check_bulk(state, note)
    ids = db.session.scalars(select(Alert.id).where(Alert.id.in_(ids), Alert.state != state)).all()
    if not ids:
        return 0
    now = utcnow()
    before = dict(db.session.execute(select(Alert.id, Alert.state).where(Alert.id.in_(ids))).all())
    db.session.execute(AlertChange.__table__.insert(), [
        {"alert_id": i, "at": now, "actor_id": actor.id, "actor_username": actor.username, "kind": "state",
         "from_state": before[i], "to_state": state, "note": note, "assignee_id": None} for i in ids])
    db.session.execute(update(Alert).where(Alert.id.in_(ids)).values(state=state, state_changed_at=now,
                                                                     state_changed_by=actor.id))
    audit.record("alert.bulk_state", actor=actor, object_type="alert", object_label=str(len(ids)),
                 details={"state": state, "count": len(ids), "first": ids[0], "last": ids[-1]})
    db.session.commit()
    return len(ids)


# -- the Code42 clients' alert queries (py42's AlertService; terms camelCase or PascalCase) --------------

API_STATES = {"OPEN": "open", "IN_PROGRESS": "in_progress", "PENDING": "pending", "RESOLVED": "resolved",
              "DISMISSED": "resolved"}
API_SEVERITIES = {"LOW": "low", "MEDIUM": "medium", "MODERATE": "medium", "HIGH": "high", "CRITICAL": "critical"}


def _api_filter(term, operator, value, now):
    from webconsole.domain import event_query

    key = term.lower() if isinstance(term, str) else ""
    operator = operator.upper() if isinstance(operator, str) else ""
    columns = {"createdat": Alert.created_at, "state": Alert.state, "actor": Alert.username, "name": Alert.name,
               "description": Alert.name, "riskseverity": Alert.severity, "severity": Alert.severity,
               "ruleid": Alert.rule_id, "type": Alert.vector, "rulesource": Alert.vector,
               # The incydr SDK's further terms (AlertSeverity, AlertId, ActorId: the actor's user UID).
               "alertseverity": Alert.severity, "alertid": Alert.id, "actorid": Alert.user_id}
    if key not in columns:
        raise ValidationError(_l("Unknown term: %(term)s.", term=str(term)[:100]), field="query",
                              code="fileevent.query")
    column = columns[key]
    if key == "createdat" and operator in ("ON_OR_AFTER", "ON_OR_BEFORE"):
        moment = event_query._moment(value)
        return column >= moment if operator == "ON_OR_AFTER" else column <= moment
    if key == "createdat" and operator == "ON":  # the incydr SDK's AlertQuery(on=...): that whole UTC day
        start = event_query._moment(value).replace(hour=0, minute=0, second=0, microsecond=0)
        return and_(column >= start, column < start + timedelta(days=1))
    if not isinstance(value, str) or len(value) > 1024:
        raise ValidationError(_l("A value must be text of at most %(max)d characters.", max=1024), field="query",
                              code="fileevent.query")
    if key == "state":
        value = API_STATES.get(value.upper(), value)
    elif key in ("riskseverity", "severity", "alertseverity"):
        value = API_SEVERITIES.get(value.upper(), value)
    elif key in ("ruleid", "alertid"):
        value = parse_id(value) or 0
    elif key == "actorid":
        value = select(User.id).where(User.uid == value).scalar_subquery()
    if operator in ("IS", "IS_NOT"):
        return column == value if operator == "IS" else column != value
    if operator in ("CONTAINS", "DOES_NOT_CONTAIN") and key in ("actor", "name", "description"):
        found = column.icontains(value, autoescape=True)
        return found if operator == "CONTAINS" else ~found
    raise ValidationError(_l("%(operator)s does not apply to %(term)s.", operator=operator[:40] or "?", term=term),
                          field="query", code="fileevent.query")


def api_search(actor, body, page, size, descending):
    """(alerts, how many match up to 10 000) of a page (from 0) of `body`'s query, within `actor`'s reach."""
    from webconsole.domain import event_query

    condition = event_query.combined(body, _api_filter, utcnow())
    stmt = _scoped(select(Alert).where(condition), actor)
    order = [Alert.created_at.desc(), Alert.id.desc()] if descending else [Alert.created_at, Alert.id]
    found = db.session.scalars(stmt.order_by(*order).offset(page * size).limit(size)).all()
    inner = _scoped(select(Alert.id).where(condition), actor).limit(10_001).subquery()
    return found, min(db.session.scalar(select(func.count()).select_from(inner)), 10_000)


def api_details(actor, ids):
    """The alerts of `ids` within `actor`'s reach (others are left out), in that order."""
    numbers = [n for n in (parse_id(i) for i in ids) if n]
    found = {a.id: a for a in db.session.scalars(_scoped(select(Alert).where(Alert.id.in_(numbers)), actor))}
    return [found[n] for n in numbers if n in found]
