"""Alert rules: what file activity raises an alert, for whom, and who is told.

A rule is a vector (where files went), file filters, a threshold (more than N files or bytes within a
window) and whom it watches. Every value is checked here, once, with a message for the field that
holds it; the evaluation of rules against stored events is webconsole.domain.alert_evaluation.
A deleted rule is kept (deleted_at), so its alerts still name it.
"""
import re
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from webconsole.domain import audit
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.event_parser import CATEGORIES, EXPOSURE_BITS
from webconsole.domain.listings.filters import plain_text
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import AlertRule, User
from webconsole.models.base import utcnow

SEVERITIES = ("low", "medium", "high", "critical")


def severity_rank(column):
    """SQL: a severity's place from low (0) to critical (3), to sort by how severe, not by the word."""
    return case({severity: n for n, severity in enumerate(SEVERITIES)}, value=column, else_=-1)
SHARES = ("SharedViaLink", "SharedToDomain", "IsPublic", "OutsideTrustedDomains")


@dataclass(frozen=True)
class Vector:
    """Where files went: the exposure bits of FileEvent.exposure that say so, or e-mail by event type."""

    bits: int
    emailed: bool = False  # events of type EMAILED match too

    def matches(self, exposure, event_type):
        return bool(exposure & self.bits) or (self.emailed and event_type == "EMAILED")


def _bits(*names):
    return sum(EXPOSURE_BITS[n] for n in names)


# The same vectors as the Risk Exposure board (webconsole.domain.exposure), so a rule alerts on what it counts.
VECTORS = {
    "removable_media": Vector(_bits("RemovableMedia")),
    "cloud_sync": Vector(_bits("CloudStorage")),
    "upload": Vector(_bits("ApplicationRead")),  # browser or app upload
    "email": Vector(0, emailed=True),
    "cloud_share": Vector(_bits(*SHARES)),
    "any": Vector(_bits(*EXPOSURE_BITS), emailed=True),
}
THRESHOLD_KINDS = ("files", "bytes")
UNITS = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": timedelta(days=1)}
WINDOW_MAX = timedelta(days=90)
THRESHOLD_MAX = {"files": 1_000_000, "bytes": 10**15}  # a million files, a petabyte
WATCH = ("everyone", "departing", "high_risk", "users")
WATCHED_USERS_MAX = 500
RECIPIENTS_MAX = 10
NAME_MAX, DESCRIPTION_MAX, NAME_PART_MAX = 100, 1000, 255
SIZE_MAX = 10**15
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(rf"[^@\s,;<>\"]{{1,64}}@{_LABEL}(?:\.{_LABEL})*")


def window_of(rule):
    """The rule's (or an alert's) window as a timedelta."""
    return UNITS[rule.window_unit] * rule.window_amount


def get_rule(rule_id):
    """The rule (not deleted) with this id, or NotFound."""
    rule_id = parse_id(rule_id)
    rule = db.session.get(AlertRule, rule_id) if rule_id else None
    if rule is None or rule.deleted_at is not None:
        raise NotFound(_l("No such alert rule."))
    return rule


def rule_list(actor, params):
    """Select of the rules not deleted, for their list."""
    stmt = select(AlertRule.id, AlertRule.name, AlertRule.severity, AlertRule.vector, AlertRule.watch,
                  AlertRule.enabled, AlertRule.created_at, AlertRule.modified_at).where(AlertRule.deleted_at.is_(None))
    for name in ("severity", "vector"):
        if params.filters.get(name):
            stmt = stmt.where(getattr(AlertRule, name) == params.filters[name])
    if params.q:
        stmt = stmt.where(AlertRule.name.icontains(params.q, autoescape=True))
    return stmt


def rule_choices(actor=None):
    """[(id, name)] of the rules, deleted ones too (their alerts stay), for the alert list's filter."""
    return [(str(i), n) for i, n in db.session.execute(select(AlertRule.id, AlertRule.name).order_by(
        AlertRule.name, AlertRule.id).limit(500))]


# -- values ---------------------------------------------------------------------------------------

def _text(value, field, maximum, required=False):
    value = value if isinstance(value, str) else ""
    # One line for a name; a description may hold line breaks but no other control characters.
    value = " ".join(value.split()) if field != "description" else value.strip().replace("\r\n", "\n")
    plain_text(value.replace("\n", " ").replace("\t", " "), field, 10 * maximum)
    if required and not value:
        raise ValidationError(_l("Enter a name."), field=field, code="validation.required")
    if len(value) > maximum:
        raise ValidationError(_l("Enter at most %(max)d characters.", max=maximum), field=field,
                              code="validation.length")
    return value


def _choice(value, choices, field):
    if value not in choices:
        raise ValidationError(_l("Choose a value from the list."), field=field, code="validation.choice")
    return value


def _whole(value, field, minimum, maximum, message):
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or not minimum <= int(text) <= maximum:
        raise ValidationError(message, field=field, code="validation.range")
    return int(text)


def _unique_name(name, current):
    taken = select(AlertRule.id).where(func.lower(AlertRule.name) == name.lower(), AlertRule.deleted_at.is_(None))
    if current is not None and current.id is not None:
        taken = taken.where(AlertRule.id != current.id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise ValidationError(_l("An alert rule with this name already exists."), field="name",
                              code="alert_rule.name_taken")


def _recipients(values):
    """E-mail addresses, from a list or text separated by commas, semicolons, spaces or lines."""
    if isinstance(values, str):
        values = re.split(r"[\s,;]+", values)
    found = []
    for value in values or ():
        value = (value or "").strip()
        if not value:
            continue
        if len(value) > 254 or not _EMAIL.fullmatch(value):
            raise ValidationError(_l("“%(value)s” is not an e-mail address such as name@example.com.",
                                     value=value[:60]), field="recipients", code="validation.email")
        if value.lower() not in (f.lower() for f in found):
            found.append(value)
    if len(found) > RECIPIENTS_MAX:
        raise ValidationError(_l("Enter at most %(max)d recipients.", max=RECIPIENTS_MAX), field="recipients",
                              code="validation.length")
    return found


def _watched_users(watch, chosen):
    """The users a rule of watch "users" watches: `chosen` is a list of ids or a text of usernames."""
    if watch != "users":
        return []
    if isinstance(chosen, str):
        names = {n.lower() for n in re.split(r"[\s,;]+", chosen) if n}
        if len(names) > WATCHED_USERS_MAX:
            raise ValidationError(_l("Choose at most %(max)d users.", max=WATCHED_USERS_MAX), field="users",
                                  code="validation.length")
        users = db.session.scalars(select(User).where(func.lower(User.username).in_(names))).all() if names else []
        missing = names - {u.username.lower() for u in users}
        if missing:
            raise ValidationError(_l("No user is named “%(name)s”.", name=sorted(missing)[0][:100]), field="users",
                                  code="validation.choice")
    else:
        ids = {parse_id(i) for i in chosen or ()}
        if None in ids or len(ids) > WATCHED_USERS_MAX:
            raise ValidationError(_l("No such user."), field="users", code="validation.choice")
        users = db.session.scalars(select(User).where(User.id.in_(ids))).all() if ids else []
        if len(users) != len(ids):
            raise ValidationError(_l("No such user."), field="users", code="validation.choice")
    if not users:
        raise ValidationError(_l("Enter the usernames of the users to watch."), field="users",
                              code="validation.required")
    return users


def clean_values(values, current=None):
    """The rule's checked values from `values` (a dict of what a door received); ValidationError names the
    first field refused."""
    name = _text(values.get("name"), "name", NAME_MAX, required=True)
    _unique_name(name, current)
    kind = _choice(values.get("threshold_kind"), THRESHOLD_KINDS, "threshold_kind")
    unit = _choice(values.get("window_unit"), UNITS, "window_unit")
    longest = WINDOW_MAX // UNITS[unit]
    clean = {
        "name": name,
        "description": _text(values.get("description"), "description", DESCRIPTION_MAX),
        "severity": _choice(values.get("severity"), SEVERITIES, "severity"),
        "vector": _choice(values.get("vector"), VECTORS, "vector"),
        "categories": sorted({_choice(c, CATEGORIES, "categories") for c in values.get("categories") or ()}),
        "name_part": _text(values.get("name_part"), "name_part", NAME_PART_MAX),
        "min_size": _whole(values["min_size"], "min_size", 0, SIZE_MAX, _l("Enter a size in bytes from 0 to %(max)s.",
                                                                       max=f"{SIZE_MAX:,}"))
        if str(values.get("min_size") or "").strip() else None,
        "threshold_kind": kind,
        "threshold": _whole(values.get("threshold"), "threshold", 1, THRESHOLD_MAX[kind],
                            _l("Enter a whole number from 1 to %(max)s.", max=f"{THRESHOLD_MAX[kind]:,}")),
        "window_unit": unit,
        "window_amount": _whole(values.get("window_amount"), "window_amount", 1, longest,
                                _l("Enter a whole number from 1 to %(max)d (at most 90 days).", max=longest)),
        "watch": _choice(values.get("watch") or "everyone", WATCH, "watch"),
        "recipients": _recipients(values.get("recipients")),
    }
    clean["users"] = _watched_users(clean["watch"], values.get("users"))
    return clean


# -- changes --------------------------------------------------------------------------------------

def _snapshot(rule):
    return {"name": rule.name, "severity": rule.severity, "vector": rule.vector, "categories": list(rule.categories),
            "name_part": rule.name_part, "min_size": rule.min_size, "threshold_kind": rule.threshold_kind,
            "threshold": rule.threshold, "window": f"{rule.window_amount} {rule.window_unit}", "watch": rule.watch,
            "users": sorted(u.id for u in rule.users), "recipients": list(rule.recipients),
            "description": rule.description}


def create_rule(actor, values):
    """A new, enabled alert rule from `values`; audited."""
    clean = clean_values(values)
    rule = AlertRule(**clean, enabled=True, created_by=actor.id, modified_by=actor.id)
    db.session.add(rule)
    db.session.flush()
    audit.record("alert_rule.create", actor=actor, obj=rule, object_label=rule.name, details=_snapshot(rule))
    db.session.commit()
    return rule


def update_rule(actor, rule, values):
    """Change a rule; alerts it raised keep the threshold they fired at. Audited with what changed."""
    before = _snapshot(rule)
    for key, value in clean_values(values, current=rule).items():
        setattr(rule, key, value)
    after = _snapshot(rule)
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        rule.modified_at, rule.modified_by = utcnow(), actor.id
        audit.record("alert_rule.update", actor=actor, obj=rule, object_label=rule.name, details={"changes": changes})
    db.session.commit()
    return rule


def set_enabled(actor, rule, enabled):
    """Enable or disable a rule: a disabled rule evaluates nothing until enabled again."""
    if rule.enabled != bool(enabled):
        rule.enabled, rule.modified_at, rule.modified_by = bool(enabled), utcnow(), actor.id
        audit.record("alert_rule.enable" if enabled else "alert_rule.disable", actor=actor, obj=rule,
                     object_label=rule.name)
    db.session.commit()


def delete_rule(actor, rule):
    """Delete a rule: it stops evaluating, its name is free again, and its alerts keep showing it."""
    rule.deleted_at, rule.enabled, rule.modified_by = utcnow(), False, actor.id
    audit.record("alert_rule.delete", actor=actor, obj=rule, object_label=rule.name)
    db.session.commit()
