"""Audit entries, added to the caller's transaction so they commit (or roll back) with the change.

Entries are only ever added: no door offers to change or delete one.
"""
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta

from sqlalchemy import false, func, or_, select

from webconsole.domain.queries import search
from webconsole.domain.scope import scope_for
from webconsole.extensions import db
from webconsole.models import AuditEvent
from webconsole.models.base import utcnow

# The address the current request came from; each door sets it (the browser door per request).
origin_address = ContextVar("origin_address", default="")


def record(event_type, *, actor=None, address=None, obj=None, object_type="", object_id="",
           object_label="", details=None, actor_username=None):
    """Add an audit entry for `event_type` done by `actor` (a User or None) to the session."""
    if obj is not None:
        object_type = object_type or obj.__tablename__.rstrip("s")
        object_id = object_id or str(getattr(obj, "uid", None) or getattr(obj, "guid", None) or obj.id)
        object_label = object_label or _label(obj)
    event = AuditEvent(
        event_type=event_type,
        actor_id=getattr(actor, "id", None),
        actor_username=actor_username if actor_username is not None else getattr(actor, "username", ""),
        address=address if address is not None else origin_address.get(),
        object_type=object_type,
        object_id=object_id,
        object_label=(object_label or "")[:255],
        details=details or {},
    )
    db.session.add(event)
    return event


# Refused requests recorded per actor (or per address, without one) in a minute; a flood beyond it
# is dropped, so it cannot fill the disk. Counted in the table itself, so every server process shares it.
REFUSALS_PER_MINUTE = 20


def record_refusal(kind, *, actor=None, address=None, details=None, object_type="", object_id=""):
    """Record refused access ("permission", "scope", "csrf", "agent_credential", "ingest_credential", ...)
    and commit it on its own, after rolling back whatever the refused request left in the session.

    Returns the entry, or None when this actor or address already has REFUSALS_PER_MINUTE this minute.
    """
    db.session.rollback()
    address = address if address is not None else origin_address.get()
    actor_id = getattr(actor, "id", None)
    recent = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.event_type == "access.refused", AuditEvent.at > utcnow() - timedelta(minutes=1))
    same = AuditEvent.actor_id == actor_id if actor_id is not None else (
        AuditEvent.actor_id.is_(None) & (AuditEvent.address == address))
    count = db.session.scalar(recent.where(same))
    if count >= REFUSALS_PER_MINUTE:
        return None
    details = {"kind": kind, **(details or {})}
    if count == REFUSALS_PER_MINUTE - 1:
        details["limited"] = True  # the last one kept this minute
    event = record("access.refused", actor=actor, address=address, object_type=object_type,
                   object_id=str(object_id)[:64], details=details)
    db.session.commit()
    return event


def changes(obj, new_values):
    """Apply `new_values` to `obj`; return {field: [old, new]} for the fields that changed."""
    changed = {}
    for field, value in new_values.items():
        old = getattr(obj, field)
        if old != value:
            changed[field] = [_plain(old), _plain(value)]
            setattr(obj, field, value)
    return changed


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _label(obj):
    for attr in ("username", "name"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return ""


# Who acted, as the Incydr audit search's userTypes name them: a person, an API client ("NAME (API client)",
# no user id: see domain.api_clients) or the console itself.
_BY_CLIENT = AuditEvent.actor_username.like("% (API client)")
ACTOR_KINDS = {"USER": AuditEvent.actor_id.is_not(None),
               "API_CLIENT": AuditEvent.actor_id.is_(None) & _BY_CLIENT,
               "SYSTEM": AuditEvent.actor_id.is_(None) & ~_BY_CLIENT}


def audit_list(actor, params):
    """Select of audit entries for the Audit Log, filtered by actor, event, object and dates (whole days,
    typed by the `audit` listing); only a tenant-wide audit.view sees any."""
    stmt = select(AuditEvent.id, AuditEvent.at, AuditEvent.actor_username, AuditEvent.address,
                  AuditEvent.event_type, AuditEvent.object_type, AuditEvent.object_id,
                  AuditEvent.object_label, AuditEvent.details)
    if scope_for(actor, "audit.view").kind != "all":
        return stmt.where(false())
    f = params.filters
    stmt = search(stmt, params.q, contains=(AuditEvent.actor_username, AuditEvent.object_label,
                                            AuditEvent.address), equals=(AuditEvent.object_id,))
    if f.get("actor"):
        stmt = stmt.where(AuditEvent.actor_username.icontains(f["actor"], autoescape=True))
    if f.get("event"):
        stmt = stmt.where(AuditEvent.event_type == f["event"])
    if f.get("object"):
        stmt = stmt.where(AuditEvent.object_type == f["object"])
    if f.get("since"):
        stmt = stmt.where(AuditEvent.at >= datetime.combine(f["since"], time()))
    if f.get("until"):
        stmt = stmt.where(AuditEvent.at < datetime.combine(f["until"], time()) + timedelta(days=1))
    # The REST API's search (typed at its door): exact moments, and lists where any value matches.
    if f.get("after"):
        stmt = stmt.where(AuditEvent.at >= f["after"])
    if f.get("before"):
        stmt = stmt.where(AuditEvent.at <= f["before"])
    for key, column in (("event_types", AuditEvent.event_type), ("actor_names", AuditEvent.actor_username),
                        ("actor_ids", AuditEvent.actor_id), ("addresses", AuditEvent.address)):
        if f.get(key):
            stmt = stmt.where(column.in_(f[key]))
    if f.get("resource_ids"):
        stmt = stmt.where(AuditEvent.object_id.in_(f["resource_ids"]))
    if f.get("actor_kinds"):
        stmt = stmt.where(or_(*[ACTOR_KINDS[k] for k in f["actor_kinds"] if k in ACTOR_KINDS] or [false()]))
    if f.get("affected_uids") or f.get("affected_names"):
        stmt = stmt.where(AuditEvent.object_type == "user", or_(
            AuditEvent.object_id.in_(f.get("affected_uids") or []),
            AuditEvent.object_label.in_(f.get("affected_names") or [])))
    return stmt
