"""Audit entries, added to the caller's transaction so they commit (or roll back) with the change."""
from webconsole.extensions import db
from webconsole.models import AuditEvent


def record(event_type, *, actor=None, address="", obj=None, object_type="", object_id="",
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
        address=address or "",
        object_type=object_type,
        object_id=object_id,
        object_label=(object_label or "")[:255],
        details=details or {},
    )
    db.session.add(event)
    return event


def _label(obj):
    for attr in ("username", "name"):
        value = getattr(obj, attr, None)
        if value:
            return str(value)
    return ""
