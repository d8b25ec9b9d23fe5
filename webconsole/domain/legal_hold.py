"""Legal hold: preservation policies, matters and their custodians, their history, and collections.

A matter holds its active custodians' data by its preservation policy while the matter is active;
what that does to them and their devices is webconsole.domain.preservation.

Matters are in their creator's org's scope for legalhold.manage; custodians are the users that
scope reaches. Every change is audited with the matter's history (HoldEvent) in one transaction.
"""
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webconsole.domain import audit, settings_spec
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.queries import search
from webconsole.domain.scope import reaches, restrict, scope_for
from webconsole.domain.users import name_a_few
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import Custodian, Device, HoldEvent, Matter, Org, PreservationPolicy, User
from webconsole.models.base import utcnow

PERMISSION = "legalhold.manage"
STATUSES = ("active", "inactive")
NAME_MAX, TEXT_MAX, REFERENCE_MAX = 100, 20_000, 255
ADD_MAX = 50  # custodians added in one request
# The backup group's settings a policy sets, and its defaults: keep everything, every 15 minutes.
BACKUP_KEYS = ("frequency_minutes", "versions_last_week", "versions_last_90_days", "versions_last_year",
               "versions_older", "remove_deleted_days")
POLICY_DEFAULTS = {"frequency_minutes": 15, "versions_last_week": 15, "versions_last_90_days": 60,
                   "versions_last_year": 1440, "versions_older": 10080, "remove_deleted_days": 0}
EVENT_TYPES = ("HoldCreated", "HoldDeactivated", "HoldReactivated", "MembershipCreated", "MembershipDeactivated",
               "MembershipReactivated", "Collection")
HELD_SET = "Legal hold: %s"  # the backup set a hold adds (a name the agent shows, not translated)


def hold_scope(actor):
    """What `actor` reaches for legal hold: its org scope for legalhold.manage."""
    return scope_for(actor, PERMISSION)


def new_uid():
    return secrets.token_hex(8)


# -- policies ------------------------------------------------------------------------------------------

def _in_use():
    """How many matters use a policy: a correlated count for the policies list."""
    return (select(func.count()).select_from(Matter).where(Matter.policy_id == PreservationPolicy.id)
            .correlate(PreservationPolicy).scalar_subquery())


def policy_list(actor, params):
    """Select of the preservation policies, for their list (any legal-hold administrator sees them all:
    a policy names no person)."""
    stmt = select(PreservationPolicy.id, PreservationPolicy.name, PreservationPolicy.created_by_username,
                  PreservationPolicy.created_at, PreservationPolicy.updated_at, _in_use().label("matters"))
    return search(stmt, params.q, contains=(PreservationPolicy.name,))


def policies():
    """(id, name) of every policy, by name: the choices of a matter's policy."""
    return db.session.execute(select(PreservationPolicy.id, PreservationPolicy.name)
                              .order_by(func.lower(PreservationPolicy.name), PreservationPolicy.id)).all()


def get_policy(actor, policy_id):
    number = parse_id(policy_id)
    policy = db.session.get(PreservationPolicy, number) if number else None
    if policy is None or hold_scope(actor).kind == "none":
        raise NotFound(_l("No such preservation policy."))
    return policy


def _name(value, model, current=None):
    value = " ".join((value or "").split()) if isinstance(value, str) else ""
    if not 3 <= len(value) <= NAME_MAX:
        raise ValidationError(_l("Enter a name of %(min)d to %(max)d characters.", min=3, max=NAME_MAX),
                              field="name", code="validation.length")
    if "\x00" in value:
        raise ValidationError(_l("Enter a name without control characters."), field="name", code="validation.format")
    taken = db.session.scalar(select(model.id).where(func.lower(model.name) == value.lower(),
                                                     model.id != getattr(current, "id", 0)))
    if taken is not None:
        raise ValidationError(_l("That name is taken: choose another."), field="name", code="validation.duplicate")
    return value


def _text(value, field, maximum):
    value = (value or "").strip() if isinstance(value, str) else ""
    if len(value) > maximum or "\x00" in value:
        raise ValidationError(_l("Enter at most %(max)d characters.", max=maximum), field=field,
                              code="validation.length")
    return value


def _paths(raw, field):
    lines = [line.strip() for line in "\n".join(v for v in (raw or []) if isinstance(v, str)).splitlines()
             if line.strip()]
    if len(lines) > 500 or any(len(line) > 1024 or "\x00" in line for line in lines):
        raise ValidationError(_l("Use at most 500 lines of up to 1024 characters."), field=field,
                              code="validation.length")
    return list(dict.fromkeys(lines))


def _policy_values(values):
    """Typed policy values from {name: [str]} (a form's lists); ValidationError names the field."""
    backup = {key: settings_spec.parse_setting("backup", key, [str(v) for v in values.get(key) or ()]
                                               or [str(POLICY_DEFAULTS[key])]) for key in BACKUP_KEYS}
    included = _paths(values.get("included_paths"), "included_paths")
    if not included:
        raise ValidationError(_l("Enter at least one folder to preserve, such as ~ for the user's home folder."),
                              field="included_paths", code="validation.required")
    excluded = _paths(values.get("excluded_paths"), "excluded_paths")
    exclusions = settings_spec.parse_setting("backup", "filename_exclusions",
                                             [v for v in values.get("filename_exclusions") or () if isinstance(v, str)])
    return {"name": values.get("name", [""])[0] if values.get("name") else "", "backup": backup,
            "included_paths": included, "excluded_paths": excluded,
            "filename_exclusions": exclusions}


def create_policy(actor, values):
    """A new preservation policy from form values ({name: [str]})."""
    typed = _policy_values(values)
    policy = PreservationPolicy(uid=new_uid(), name=_name(typed.pop("name"), PreservationPolicy), **typed,
                                created_by=actor.id, created_by_username=actor.username)
    db.session.add(policy)
    db.session.flush()
    _audit_policy("legalhold.policy_create", actor, policy)
    db.session.commit()
    return policy


def update_policy(actor, policy, values):
    """Change a policy; held devices take the change with their next heartbeat."""
    typed = _policy_values(values)
    typed["name"] = _name(typed["name"], PreservationPolicy, policy)
    changes = {k: [_shown(getattr(policy, k)), _shown(v)] for k, v in typed.items() if getattr(policy, k) != v}
    for key, value in typed.items():
        setattr(policy, key, value)
    if changes:
        _audit_policy("legalhold.policy_update", actor, policy, {"changes": changes})
    db.session.commit()
    return bool(changes)


def _shown(value):
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)[:300]
    return value


def delete_policy(actor, policy):
    """Delete a policy no matter uses; ValidationError (code legalhold.policy_in_use) naming the matters."""
    using = db.session.execute(select(Matter.name, Matter.status).where(Matter.policy_id == policy.id)
                               .order_by(Matter.status, func.lower(Matter.name))).all()
    if using:
        active = [name for name, status in using if status == "active"]
        names = name_a_few([name for name, _s in using][:3], len(using))
        message = (_l("This policy preserves the data of active matters, so it cannot be deleted: %(names)s.",
                      names=name_a_few(active[:3], len(active))) if active else
                   _l("Inactive matters keep this policy for when they are reactivated, so it cannot be deleted: "
                      "%(names)s.", names=names))
        raise ValidationError(message, field=None, code="legalhold.policy_in_use")
    _audit_policy("legalhold.policy_delete", actor, policy)
    db.session.delete(policy)
    db.session.commit()


def matters_using(actor, policy):
    """(id, name, status) of the matters `actor` reaches that preserve by `policy`, by name."""
    stmt = restrict(select(Matter.id, Matter.name, Matter.status).where(Matter.policy_id == policy.id),
                    hold_scope(actor), org_column=Matter.org_id)
    return db.session.execute(stmt.order_by(func.lower(Matter.name), Matter.id)).all()


def _audit_policy(event_type, actor, policy, details=None):
    audit.record(event_type, actor=actor, object_type="preservation_policy", object_id=policy.uid,
                 object_label=policy.name, details=details)


# -- matters -------------------------------------------------------------------------------------------

def matter_list(actor, params):
    """Select of the matters `actor` reaches, for their list, filtered by status."""
    stmt = select(Matter.id, Matter.name, Matter.created_by_username, Matter.created_at, Matter.status,
                  Matter.custodian_count, Matter.reference)
    stmt = restrict(stmt, hold_scope(actor), org_column=Matter.org_id)
    f = params.filters
    if f.get("status"):
        stmt = stmt.where(Matter.status == f["status"])
    if f.get("creator"):
        stmt = stmt.where(Matter.created_by == f["creator"])
    if f.get("name"):  # the clients' name filter: equal to or containing the text
        stmt = stmt.where(Matter.name.icontains(f["name"].strip(), autoescape=True))
    if f.get("reference"):
        stmt = stmt.where(Matter.reference == f["reference"])
    return search(stmt, params.q, contains=(Matter.name, Matter.reference))


def get_matter(actor, matter_id):
    """The matter with this id when `actor` reaches it; NotFound otherwise."""
    number = parse_id(matter_id)
    matter = db.session.get(Matter, number) if number else None
    if matter is None or not reaches(hold_scope(actor), _org(matter)):
        raise NotFound(_l("No such matter."))
    return matter


def _org(matter):
    return db.session.get(Org, matter.org_id) if matter.org_id else None


def _policy(policy_id):
    policy = db.session.get(PreservationPolicy, parse_id(policy_id)) if parse_id(policy_id) else None
    if policy is None:
        message = (_l("Choose a preservation policy from the list.") if policies() else
                   _l("Create a preservation policy first: a matter preserves its custodians' data by one."))
        raise ValidationError(message, field="policy", code="legalhold.policy")
    return policy


def create_matter(actor, *, name, policy_id, description="", notes="", reference=""):
    """Open a matter (active, without custodians) preserving by the policy `policy_id`."""
    name = _name(name, Matter)
    policy = _policy(policy_id)
    matter = Matter(uid=new_uid(), name=name, policy_id=policy.id, org_id=actor.org_id,
                    description=_text(description, "description", TEXT_MAX), notes=_text(notes, "notes", TEXT_MAX),
                    reference=_text(reference, "reference", REFERENCE_MAX), status="active",
                    created_by=actor.id, created_by_username=actor.username)
    db.session.add(matter)
    db.session.flush()
    add_history(matter, "HoldCreated", actor)
    audit_matter("legalhold.matter_create", actor, matter, {"policy": policy.name})
    db.session.commit()
    return matter


def update_matter(actor, matter, *, name, policy_id, description, notes, reference):
    """Change a matter's name, policy, description, notes or reference."""
    values = {"name": _name(name, Matter, matter), "policy_id": _policy(policy_id).id,
              "description": _text(description, "description", TEXT_MAX), "notes": _text(notes, "notes", TEXT_MAX),
              "reference": _text(reference, "reference", REFERENCE_MAX)}
    changes = {k: ["…" if k in ("description", "notes") else getattr(matter, k),
                   "…" if k in ("description", "notes") else v]
               for k, v in values.items() if getattr(matter, k) != v}
    if "policy_id" in changes:
        changes["policy"] = [db.session.get(PreservationPolicy, matter.policy_id).name,
                             db.session.get(PreservationPolicy, values["policy_id"]).name]
        del changes["policy_id"]
    for key, value in values.items():
        setattr(matter, key, value)
    if changes:
        audit_matter("legalhold.matter_update", actor, matter, {"changes": changes})
    db.session.commit()
    return bool(changes)


def status_effect(matter):
    """What deactivating (or reactivating) the matter does: {"custodians": active custodians,
    "devices": their active devices, "still_held": custodians another active matter keeps holding}."""
    members = select(Custodian.user_id).where(Custodian.matter_id == matter.id, Custodian.active.is_(True))
    other = (select(Custodian.user_id).join(Matter, Matter.id == Custodian.matter_id)
             .where(Custodian.active.is_(True), Matter.status == "active", Matter.id != matter.id,
                    Custodian.user_id.in_(members)))
    return {"custodians": db.session.scalar(select(func.count()).select_from(members.subquery())),
            "devices": db.session.scalar(select(func.count()).select_from(Device).where(
                Device.user_id.in_(members), Device.status == "active")),
            "still_held": db.session.scalar(select(func.count(func.distinct(other.subquery().c.user_id))))}


def set_matter_active(actor, matter, active):
    """Deactivate a matter (its custodians are no longer held by it) or reactivate it."""
    new = "active" if active else "inactive"
    if matter.status == new:
        return matter
    matter.status = new
    matter.deactivated_at = None if active else utcnow()
    add_history(matter, "HoldReactivated" if active else "HoldDeactivated", actor)
    audit_matter("legalhold.matter_reactivate" if active else "legalhold.matter_deactivate", actor, matter,
           {"custodians": matter.custodian_count})
    db.session.commit()
    return matter


def audit_matter(event_type, actor, matter, details=None):
    audit.record(event_type, actor=actor, object_type="matter", object_id=matter.uid, object_label=matter.name,
                 details=details)


def add_history(matter, event_type, actor, user=None):
    db.session.add(HoldEvent(matter_id=matter.id, event_type=event_type, user_id=getattr(user, "id", None),
                             custodian_username=getattr(user, "username", ""), actor_id=getattr(actor, "id", None),
                             actor_username=getattr(actor, "username", "")))


# -- custodians ----------------------------------------------------------------------------------------

def custodian_list(actor, params):
    """Select of a matter's custodians (params.filters["matter"]) that `actor` reaches, with their state."""
    matter = get_matter(actor, params.filters.get("matter"))
    stmt = (select(Custodian.id, User.id.label("user_id"), User.username, User.email,
                   (User.first_name + " " + User.last_name).label("name"), Org.name.label("org_name"),
                   Custodian.active, Custodian.created_at, Custodian.updated_at, User.status.label("user_status"))
            .join(User, User.id == Custodian.user_id).join(Org, Org.id == User.org_id)
            .where(Custodian.matter_id == matter.id))
    stmt = restrict(stmt, hold_scope(actor), org_column=User.org_id, user_column=User.id)
    if params.filters.get("state") == "active":
        stmt = stmt.where(Custodian.active.is_(True))
    elif params.filters.get("state") == "removed":
        stmt = stmt.where(Custodian.active.is_(False))
    return search(stmt, params.q, contains=(User.username, User.email))


def _users(actor, user_ids):
    ids = [n for n in (parse_id(i) for i in user_ids) if n]
    if not ids:
        raise ValidationError(_l("Choose the users to add."), field="user_ids", code="validation.required")
    if len(set(ids)) > ADD_MAX:
        raise ValidationError(_l("Add at most %(n)d users at a time.", n=ADD_MAX), field="user_ids",
                              code="validation.length")
    stmt = restrict(select(User).where(User.id.in_(ids)), hold_scope(actor), org_column=User.org_id,
                    user_column=User.id)
    found = {u.id: u for u in db.session.scalars(stmt)}
    if len(found) != len(set(ids)):
        raise ValidationError(_l("Choose users from the list."), field="user_ids", code="validation.choice")
    return [found[i] for i in dict.fromkeys(ids)]


def add_custodians(actor, matter, user_ids):
    """Make the users `user_ids` custodians of `matter` (reactivating a former membership); refused as a
    whole when one of them already is one, or is deactivated, or the matter is inactive."""
    if matter.status != "active":
        raise ValidationError(_l("Reactivate the matter before adding custodians."), field="user_ids",
                              code="legalhold.matter_inactive")
    users = _users(actor, user_ids)
    rows = {c.user_id: c for c in db.session.scalars(select(Custodian).where(
        Custodian.matter_id == matter.id, Custodian.user_id.in_([u.id for u in users])))}
    held = [u.username for u in users if u.id in rows and rows[u.id].active]
    if held:
        raise ValidationError(_l("Already a custodian of %(matter)s: %(names)s.", matter=matter.name,
                                 names=name_a_few(held[:3], len(held))), field="user_ids",
                              code="legalhold.already_custodian")
    gone = [u.username for u in users if u.status == "deactivated"]
    if gone:
        raise ValidationError(_l("Deactivated users cannot be held: %(names)s. Reactivate them first.",
                                 names=name_a_few(gone[:3], len(gone))), field="user_ids",
                              code="legalhold.user_deactivated")
    for user in users:
        row = rows.get(user.id)
        if row is None:
            db.session.add(Custodian(uid=new_uid(), matter_id=matter.id, user_id=user.id, active=True))
            add_history(matter, "MembershipCreated", actor, user)
        else:
            row.active = True
            add_history(matter, "MembershipReactivated", actor, user)
    db.session.flush()
    _recount(matter)
    audit_matter("legalhold.custodian_add", actor, matter, {"users": ", ".join(u.username for u in users)[:500]})
    db.session.commit()
    return users


def _custodians(actor, matter, custodian_ids):
    ids = [n for n in (parse_id(i) for i in custodian_ids) if n][:ADD_MAX * 10]
    if not ids:
        raise ValidationError(_l("Select the custodians first."), field="custodian", code="validation.required")
    stmt = (select(Custodian, User).join(User, User.id == Custodian.user_id)
            .where(Custodian.matter_id == matter.id, Custodian.id.in_(ids)))
    stmt = restrict(stmt, hold_scope(actor), org_column=User.org_id, user_column=User.id)
    return db.session.execute(stmt).all()


def set_custodians_active(actor, matter, custodian_ids, active):
    """Remove (deactivate) or reactivate the selected memberships of `matter`; the users changed."""
    if active and matter.status != "active":
        raise ValidationError(_l("Reactivate the matter before adding custodians."), field="custodian",
                              code="legalhold.matter_inactive")
    changed = []
    for row, user in _custodians(actor, matter, custodian_ids):
        if row.active == active:
            continue
        if active and user.status == "deactivated":
            raise ValidationError(_l("Deactivated users cannot be held: %(names)s. Reactivate them first.",
                                     names=user.username), field="custodian", code="legalhold.user_deactivated")
        row.active = active
        add_history(matter, "MembershipReactivated" if active else "MembershipDeactivated", actor, user)
        changed.append(user.username)
    if changed:
        db.session.flush()
        _recount(matter)
        audit_matter("legalhold.custodian_reactivate" if active else "legalhold.custodian_remove", actor, matter,
               {"users": ", ".join(changed)[:500]})
    db.session.commit()
    return changed


def _recount(matter):
    matter.custodian_count = db.session.scalar(select(func.count()).select_from(Custodian).where(
        Custodian.matter_id == matter.id, Custodian.active.is_(True)))


def history(matter=None, user=None, limit=200):
    """The latest HoldEvents of a matter or of a user, newest first, with the matter's name."""
    stmt = select(HoldEvent, Matter.name).join(Matter, Matter.id == HoldEvent.matter_id)
    if matter is not None:
        stmt = stmt.where(HoldEvent.matter_id == matter.id)
    if user is not None:
        stmt = stmt.where(HoldEvent.user_id == user.id)
    return db.session.execute(stmt.order_by(HoldEvent.id.desc()).limit(limit)).all()


def memberships_of(actor, user):
    """(Custodian, Matter) of the user's memberships in matters `actor` reaches, active first."""
    stmt = restrict(select(Custodian, Matter).join(Matter, Matter.id == Custodian.matter_id)
                    .where(Custodian.user_id == user.id), hold_scope(actor), org_column=Matter.org_id)
    return db.session.execute(stmt.order_by(Custodian.active.desc(), Matter.status, func.lower(Matter.name))).all()


def active_custodians(matter, user_id=None):
    """The matter's active custodians (Users), by username; only `user_id` when given."""
    stmt = (select(User).join(Custodian, Custodian.user_id == User.id)
            .where(Custodian.matter_id == matter.id, Custodian.active.is_(True)))
    if user_id is not None:
        stmt = stmt.where(User.id == user_id)
    return db.session.scalars(stmt.order_by(User.username)).all()
