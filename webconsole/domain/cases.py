"""Cases: an investigator's record of one matter about one user, with the file events that support it.

A case's scope is its subject's org (kept on the case as org_id, so a case outlives a move of its
subject). Every query here is restricted to what the actor reaches with cases.manage; every change
is audited in the same transaction.
"""
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import aliased

from webconsole.domain import audit
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.queries import search
from webconsole.domain.scope import reaches, restrict, scope_for
from webconsole.domain.values import LARGEST_EVENT_ID, parse_id
from webconsole.extensions import db
from webconsole.models import Alert, AlertEvent, Case, CaseEvent, FileEvent, Org, Role, RolePermission, User, user_roles
from webconsole.models.base import utcnow

PERMISSION = "cases.manage"
STATUSES = ("open", "closed")
EVENTS_MAX = 1000  # events attached in one request (a selection, or an alert's events)
CASE_EVENTS_MAX = 10_000  # events one case may hold: its export stays one zip of modest size
ASSIGNEES_MAX = 200
NAME_MAX, TEXT_MAX = 100, 20_000

Assignee = aliased(User)


def _scope(actor):
    return scope_for(actor, PERMISSION)


def case_list(actor, params):
    """Select of the cases `actor` reaches, for their list: filtered by status, subject and assignee."""
    stmt = (select(Case.id, Case.name, Case.status, Case.subject_username, Case.created_at, Case.updated_at,
                   func.coalesce(Assignee.username, "").label("assignee"))
            .outerjoin(Assignee, Assignee.id == Case.assignee_id))
    stmt = restrict(stmt, _scope(actor), org_column=Case.org_id)
    filters = params.filters
    if filters.get("status"):
        stmt = stmt.where(Case.status == filters["status"])
    if filters.get("subject"):
        stmt = stmt.where(Case.subject_user_id == filters["subject"])
    if filters.get("assignee"):
        stmt = stmt.where(Case.assignee_id == filters["assignee"])
    if filters.get("assigned"):
        stmt = stmt.where(Case.assignee_id.is_not(None) if filters["assigned"] == "yes" else Case.assignee_id.is_(None))
    if filters.get("name"):
        stmt = stmt.where(Case.name.icontains(filters["name"], autoescape=True))
    for name, field, column in (("created", "createdAt", Case.created_at), ("updated", "updatedAt", Case.updated_at)):
        if filters.get(name):
            start, end = time_range(filters[name], field)
            stmt = stmt.where(column >= start, column <= end)
    return search(stmt, params.q, contains=(Case.name, Case.subject_username))


def time_range(value, field):
    """(start, end) of "START/END", two ISO 8601 moments (as the API's clients send a range), in stored UTC."""
    start, _sep, end = (value or "").partition("/")
    try:
        bounds = [datetime.fromisoformat(v.strip()) for v in (start, end)]
    except ValueError:
        bounds = None
    if not bounds or any(b.year < 1970 for b in bounds):
        raise ValidationError(_l("Enter a date as YYYY-MM-DD."), field=field, code="validation.format")
    return [b.astimezone(timezone.utc).replace(tzinfo=None) if b.tzinfo else b for b in bounds]


def open_cases(actor, limit=50):
    """(id, name, subject) of the open cases `actor` reaches, newest first: where selected events may go."""
    stmt = restrict(select(Case.id, Case.name, Case.subject_username).where(Case.status == "open"), _scope(actor),
                    org_column=Case.org_id)
    return db.session.execute(stmt.order_by(Case.id.desc()).limit(limit)).all()


def get_case(actor, case_id):
    """The case with this id when `actor` reaches it; NotFound otherwise (whether it exists is not said)."""
    number = parse_id(case_id)
    case = db.session.get(Case, number) if number else None
    if case is None or not reaches(_scope(actor), org_of(case)):
        raise NotFound(_l("No such case."))
    return case


def assignee_choices(actor, org=None, chosen=None):
    """[(id, username)] of active cases.manage holders whose scope reaches `org` (every org the actor
    reaches, without one), by username: the people a case may be assigned to."""
    holders = (select(User).join(user_roles, user_roles.c.user_id == User.id)
               .join(Role, Role.id == user_roles.c.role_id).join(RolePermission, RolePermission.role_id == Role.id)
               .where(RolePermission.permission == PERMISSION, User.status == "active")
               .distinct().order_by(User.username).limit(ASSIGNEES_MAX))
    holders = restrict(holders, _scope(actor), org_column=User.org_id) if org is None else holders
    found = [(str(u.id), u.username) for u in db.session.scalars(holders)
             if org is None or reaches(scope_for(u, PERMISSION), org)]
    if chosen and all(i != str(chosen) for i, _ in found):
        user = db.session.get(User, parse_id(chosen)) if parse_id(chosen) else None
        if user is not None and (org is None or reaches(scope_for(user, PERMISSION), org)):
            found.append((str(user.id), user.username))
    return found


def _subject(actor, username):
    username = (username or "").strip()
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower())) if username else None
    if user is None or not reaches(_scope(actor), user.org, user.id):
        raise ValidationError(_l("Enter the username of a user you can investigate."), field="subject",
                              code="case.subject")
    return user


def _assignee(assignee_id, org):
    if assignee_id in (None, "", 0):
        return None
    user = db.session.get(User, parse_id(assignee_id)) if parse_id(assignee_id) else None
    if user is None or not user.is_active or not reaches(scope_for(user, PERMISSION), org):
        raise ValidationError(_l("Choose someone who may work on cases of this user."), field="assignee",
                              code="case.assignee")
    return user


def _text(value, field, maximum, minimum=0):
    value = (value or "").strip()
    if field == "name":
        value = " ".join(value.split())
    if not minimum <= len(value) <= maximum:
        message = (_l("Enter a name of %(min)d to %(max)d characters.", min=minimum, max=maximum) if minimum
                   else _l("Enter at most %(max)d characters.", max=maximum))
        raise ValidationError(message, field=field, code="validation.length")
    return value


def event_ids(values):
    """The event ids among `values` (strings from a form), at most EVENTS_MAX; ValidationError beyond."""
    ids = []
    for value in values:
        number = parse_id(value, LARGEST_EVENT_ID)
        if number is None:
            raise ValidationError(_l("The selection holds a value that is not a file event."), field="events",
                                  code="case.events")
        if number not in ids:
            ids.append(number)
    if len(ids) > EVENTS_MAX:
        raise ValidationError(_l("Select at most %(max)d events at a time.", max=EVENTS_MAX), field="events",
                              code="case.events")
    return ids


def reachable_events(actor, ids):
    """The ids among `ids` of file events `actor` reaches (others are left out, unsaid)."""
    if not ids:
        return []
    stmt = restrict(select(FileEvent.id, FileEvent.user_id).where(FileEvent.id.in_(ids)), _scope(actor),
                    org_column=FileEvent.org_id)
    found = {row.id for row in db.session.execute(stmt)}
    return [i for i in ids if i in found]


def defaults_from(actor, *, alert_id=None, user_id=None, selected=()):
    """What a new case starts with: {"subject", "name", "events", "alert"} from an alert, a user or a
    selection of events. NotFound when the alert or user is beyond the actor's reach."""
    if alert_id is not None:
        alert = db.session.get(Alert, parse_id(alert_id)) if parse_id(alert_id) else None
        org = db.session.get(Org, alert.org_id) if alert is not None and alert.org_id else None
        if alert is None or not reaches(_scope(actor), org):
            raise NotFound(_l("No such alert."))
        ids = db.session.scalars(select(AlertEvent.event_id).where(AlertEvent.alert_id == alert.id)
                                 .order_by(AlertEvent.event_id).limit(EVENTS_MAX)).all()
        return {"subject": alert.username, "name": alert.name[:NAME_MAX], "events": reachable_events(actor, ids),
                "alert": alert}
    if user_id is not None:
        user = db.session.get(User, parse_id(user_id)) if parse_id(user_id) else None
        if user is None or not reaches(_scope(actor), user.org, user.id):
            raise NotFound(_l("No such user."))
        return {"subject": user.username, "name": "", "events": [], "alert": None}
    ids = reachable_events(actor, list(selected))
    owners = set(db.session.scalars(select(FileEvent.username).where(FileEvent.id.in_(ids)))) if ids else set()
    return {"subject": owners.pop() if len(owners) == 1 else "", "name": "", "events": ids, "alert": None}


def create_case(actor, *, name, subject, description="", assignee_id=None, events=(), alert_id=None, findings=""):
    """Open a case about the user named `subject` with `events` attached (those the actor reaches)."""
    name = _text(name, "name", NAME_MAX, minimum=3)
    description = _text(description, "description", TEXT_MAX)
    findings = _text(findings, "findings", TEXT_MAX)
    user = _subject(actor, subject)
    assignee = _assignee(assignee_id, user.org)
    alert = db.session.get(Alert, alert_id) if alert_id else None
    if alert is not None and alert.org_id != user.org_id:
        alert = None  # an alert of another org is not this case's origin
    case = Case(name=name, description=description, subject_user_id=user.id, subject_username=user.username,
                org_id=user.org_id, assignee_id=getattr(assignee, "id", None), status="open", findings=findings,
                alert_id=getattr(alert, "id", None), created_by=actor.id)
    db.session.add(case)
    db.session.flush()
    added = _attach(actor, case, events)
    _audit("case.create", actor, case, {"subject": user.username, "events": added,
                                        **({"alert": alert.id} if alert is not None else {})})
    db.session.commit()
    return case


def org_of(case):
    """The org whose scope the case is in (its subject's), or None."""
    return db.session.get(Org, case.org_id) if case.org_id else None


def update_case(actor, case, *, name, description, assignee_id, findings):
    """Change a case's name, description, assignee or findings."""
    org = org_of(case)
    values = {"name": _text(name, "name", NAME_MAX, minimum=3),
              "description": _text(description, "description", TEXT_MAX),
              "findings": _text(findings, "findings", TEXT_MAX)}
    assignee = _assignee(assignee_id, org)
    values["assignee_id"] = getattr(assignee, "id", None)
    # The audit says that the texts changed, not what they say: findings may be sensitive.
    changes = {k: ["…" if k in ("description", "findings") else getattr(case, k),
                   "…" if k in ("description", "findings") else v]
               for k, v in values.items() if getattr(case, k) != v}
    for key, value in values.items():
        setattr(case, key, value)
    if changes:
        _audit("case.update", actor, case, changes)
    db.session.commit()
    return bool(changes)


def set_status(actor, case, status):
    """Close or reopen a case."""
    if status not in STATUSES:
        raise ValidationError(_l("Choose a value from the list."), field="status", code="validation.choice")
    if case.status != status:
        case.status, case.closed_at = status, (utcnow() if status == "closed" else None)
        _audit("case.close" if status == "closed" else "case.reopen", actor, case)
    db.session.commit()


def delete_case(actor, case):
    """Delete a case and its list of attached events (the events themselves stay stored)."""
    _audit("case.delete", actor, case, {"subject": case.subject_username})
    db.session.execute(delete(CaseEvent).where(CaseEvent.case_id == case.id))  # whatever the dialect's cascade
    db.session.delete(case)
    db.session.commit()


def add_events(actor, case, ids):
    """Attach the events `ids` that `actor` reaches; how many were new to the case."""
    added = _attach(actor, case, ids)
    if added:
        _audit("case.events_add", actor, case, {"events": added})
        case.updated_at = utcnow()
    db.session.commit()
    return added


def remove_events(actor, case, ids):
    """Detach the events `ids` from the case; how many were attached."""
    ids = list(ids)
    removed = db.session.execute(delete(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.event_id.in_(ids))
                                 ).rowcount if ids else 0
    if removed:
        _audit("case.events_remove", actor, case, {"events": removed})
        case.updated_at = utcnow()
    db.session.commit()
    return removed


def _attach(actor, case, ids):
    ids = reachable_events(actor, list(ids))
    if not ids:
        return 0
    held = set(db.session.scalars(select(CaseEvent.event_id).where(CaseEvent.case_id == case.id,
                                                                   CaseEvent.event_id.in_(ids))))
    new = [i for i in ids if i not in held]
    if event_count(case) + len(new) > CASE_EVENTS_MAX:
        raise ValidationError(_l("A case holds at most %(max)d events.", max=CASE_EVENTS_MAX), field="events",
                              code="case.events")
    db.session.add_all([CaseEvent(case_id=case.id, event_id=i, added_by=actor.id) for i in new])
    db.session.flush()
    return len(new)


def event_count(case):
    """How many events are attached to the case (some may no longer be stored)."""
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))


def case_events(case, limit=None, offset=0):
    """The case's attached file events still stored, newest first (at most `limit`, after `offset`: a case
    holds at most CASE_EVENTS_MAX, so an offset stays cheap)."""
    stmt = (select(FileEvent).join(CaseEvent, CaseEvent.event_id == FileEvent.id).where(CaseEvent.case_id == case.id)
            .order_by(FileEvent.event_at.desc(), FileEvent.id.desc()).offset(offset))
    return db.session.scalars(stmt.limit(limit) if limit else stmt).all()


def attached_event(case, event_id):
    """The stored event attached to the case whose source event id (the clients' eventId) is `event_id`."""
    found = db.session.scalar(select(FileEvent).join(CaseEvent, CaseEvent.event_id == FileEvent.id)
                              .where(CaseEvent.case_id == case.id, FileEvent.event_id == event_id).limit(1))
    if found is None:
        raise NotFound(_l("No such file event."))
    return found


def events_by_source_id(actor, event_ids):
    """{source event id: [stored ids]} of the events `actor` reaches among `event_ids` (the clients name
    events by their source's id, which is unique per origin only)."""
    if not event_ids:
        return {}
    stmt = restrict(select(FileEvent.id, FileEvent.event_id).where(FileEvent.event_id.in_(list(event_ids))),
                    _scope(actor), org_column=FileEvent.org_id)
    found = {}
    for row in db.session.execute(stmt.limit(EVENTS_MAX * 2)):
        found.setdefault(row.event_id, []).append(row.id)
    return found


def people(case):
    """{"assignee": User or None, "subject": User or None} of a case, for its page."""
    return {"assignee": db.session.get(User, case.assignee_id) if case.assignee_id else None,
            "subject": db.session.get(User, case.subject_user_id) if case.subject_user_id else None}


def _audit(event_type, actor, case, details=None):
    audit.record(event_type, actor=actor, object_type="case", object_id=str(case.id), object_label=case.name,
                 details=details)
