"""Server properties: a documented set of tunables an administrator may change at run time."""
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from webconsole.domain import audit
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import ServerProperty


@dataclass(frozen=True)
class Property:
    name: str
    config_key: str  # the configuration value it overrides (its default)
    minimum: int
    maximum: int
    help: object


PROPERTIES = {p.name: p for p in (
    Property("signin.max_failures", "SIGNIN_MAX_FAILURES", 1, 100,
             _l("Failed sign-ins (per account and address) before sign-in pauses")),
    Property("signin.window_minutes", "SIGNIN_WINDOW_MINUTES", 1, 1440,
             _l("Minutes over which failures count, and how long sign-in pauses")),
    Property("agent.heartbeat_seconds", "AGENT_HEARTBEAT_SECONDS", 1, 3600,
             _l("Seconds between agent heartbeats (a device is offline after two missed ones)")),
    Property("lists.count_bound", "LIST_COUNT_BOUND", 100, 10_000_000,
             _l("Lists count their rows exactly up to this number")),
    Property("retention.signin_days", "SIGNIN_RETENTION_DAYS", 1, 36_500,
             _l("Days sign-in attempts are kept before the daily retention prunes them")),
    Property("retention.audit_days", "AUDIT_RETENTION_DAYS", 1, 36_500,
             _l("Days audit entries are kept before the daily retention prunes them")),
    Property("retention.jobs_days", "JOBS_RETENTION_DAYS", 1, 3650,
             _l("Days finished jobs and their result files are kept")),
)}


def value(name):
    """The property's value: the one set with prop.set, else the configuration's."""
    prop = PROPERTIES[name]
    stored = db.session.get(ServerProperty, name)
    return int(stored.value) if stored else current_app.config[prop.config_key]


def set_value(actor, name, raw):
    """Change a property (validated against its range); audited with the old and new value."""
    if name not in PROPERTIES:
        raise ValidationError(_l("Unknown property %(name)s. Run prop.show for the list.", name=name),
                              code="validation.choice")
    prop = PROPERTIES[name]
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise ValidationError(_l("%(name)s takes a whole number.", name=name), code="validation.format") from None
    if not prop.minimum <= number <= prop.maximum:
        raise ValidationError(_l("%(name)s must be from %(min)d to %(max)d.", name=name, min=prop.minimum,
                                 max=prop.maximum), code="validation.range")
    old = value(name)
    stored = db.session.get(ServerProperty, name) or ServerProperty(key=name)
    stored.value, stored.updated_by = str(number), actor.username
    db.session.add(stored)
    audit.record("property.set", actor=actor, object_type="property", object_id=name, object_label=name,
                 details={"changes": {name: [old, number]}})
    db.session.commit()
    return number
