"""Legal hold: preservation policies, matters and their custodians, and what a hold does to devices.

A matter holds its active custodians' data by its preservation policy while the matter is active.
For each held user's devices that means:
- their backup settings take the policy's where the policy keeps more (backs up more often, keeps
  finer versions, keeps deleted files longer), each such value saying "legal hold: MATTER";
- the policy's file name exclusions replace the device's own (with several holds, only the
  exclusions they all share), and each hold adds a backup set of its own paths;
- nothing is removed from their archives: every repository is append-only for them, so the
  agent does not forget or prune, and This server refuses deletions (only restic's locks go).
- the user cannot be deactivated through any door, only blocked (code "user.legal_hold").

Matters are in their creator's org's scope for legalhold.manage; custodians are the users that
scope reaches. Every change is audited with the matter's history (HoldEvent) in one transaction.
"""
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from webconsole.domain import audit, settings_spec
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.queries import search
from webconsole.domain.scope import reaches, restrict, scope_for
from webconsole.domain.users import name_a_few
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import Collection, Custodian, Device, HoldEvent, Job, Matter, Org, PreservationPolicy, User
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


def _scope(actor):
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
    if policy is None or _scope(actor).kind == "none":
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
                    _scope(actor), org_column=Matter.org_id)
    return db.session.execute(stmt.order_by(func.lower(Matter.name), Matter.id)).all()


def _audit_policy(event_type, actor, policy, details=None):
    audit.record(event_type, actor=actor, object_type="preservation_policy", object_id=policy.uid,
                 object_label=policy.name, details=details)


# -- matters -------------------------------------------------------------------------------------------

def matter_list(actor, params):
    """Select of the matters `actor` reaches, for their list, filtered by status."""
    stmt = select(Matter.id, Matter.name, Matter.created_by_username, Matter.created_at, Matter.status,
                  Matter.custodian_count, Matter.reference)
    stmt = restrict(stmt, _scope(actor), org_column=Matter.org_id)
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
    if matter is None or not reaches(_scope(actor), _org(matter)):
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
    _history(matter, "HoldCreated", actor)
    _audit("legalhold.matter_create", actor, matter, {"policy": policy.name})
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
        _audit("legalhold.matter_update", actor, matter, {"changes": changes})
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
    _history(matter, "HoldReactivated" if active else "HoldDeactivated", actor)
    _audit("legalhold.matter_reactivate" if active else "legalhold.matter_deactivate", actor, matter,
           {"custodians": matter.custodian_count})
    db.session.commit()
    return matter


def _audit(event_type, actor, matter, details=None):
    audit.record(event_type, actor=actor, object_type="matter", object_id=matter.uid, object_label=matter.name,
                 details=details)


def _history(matter, event_type, actor, user=None):
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
    stmt = restrict(stmt, _scope(actor), org_column=User.org_id, user_column=User.id)
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
    stmt = restrict(select(User).where(User.id.in_(ids)), _scope(actor), org_column=User.org_id, user_column=User.id)
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
            _history(matter, "MembershipCreated", actor, user)
        else:
            row.active = True
            _history(matter, "MembershipReactivated", actor, user)
    db.session.flush()
    _recount(matter)
    _audit("legalhold.custodian_add", actor, matter, {"users": ", ".join(u.username for u in users)[:500]})
    db.session.commit()
    return users


def _custodians(actor, matter, custodian_ids):
    ids = [n for n in (parse_id(i) for i in custodian_ids) if n][:ADD_MAX * 10]
    if not ids:
        raise ValidationError(_l("Select the custodians first."), field="custodian", code="validation.required")
    stmt = (select(Custodian, User).join(User, User.id == Custodian.user_id)
            .where(Custodian.matter_id == matter.id, Custodian.id.in_(ids)))
    stmt = restrict(stmt, _scope(actor), org_column=User.org_id, user_column=User.id)
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
        _history(matter, "MembershipReactivated" if active else "MembershipDeactivated", actor, user)
        changed.append(user.username)
    if changed:
        db.session.flush()
        _recount(matter)
        _audit("legalhold.custodian_reactivate" if active else "legalhold.custodian_remove", actor, matter,
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
                    .where(Custodian.user_id == user.id), _scope(actor), org_column=Matter.org_id)
    return db.session.execute(stmt.order_by(Custodian.active.desc(), Matter.status, func.lower(Matter.name))).all()


def active_custodians(matter, user_id=None):
    """The matter's active custodians (Users), by username; only `user_id` when given."""
    stmt = (select(User).join(Custodian, Custodian.user_id == User.id)
            .where(Custodian.matter_id == matter.id, Custodian.active.is_(True)))
    if user_id is not None:
        stmt = stmt.where(User.id == user_id)
    return db.session.scalars(stmt.order_by(User.username)).all()


# -- what a hold does ------------------------------------------------------------------------------------

def _holding():
    """Active memberships of active matters."""
    return and_(Custodian.active.is_(True), Matter.status == "active")


def holds_of(user_id):
    """[(matter name, PreservationPolicy)] of the active matters holding the user, by matter name."""
    if user_id is None:
        return []
    return db.session.execute(
        select(Matter.name, PreservationPolicy).join(Custodian, Custodian.matter_id == Matter.id)
        .join(PreservationPolicy, PreservationPolicy.id == Matter.policy_id)
        .where(Custodian.user_id == user_id, _holding()).order_by(func.lower(Matter.name), Matter.id)).all()


def held_user_subquery(user_id_column):
    """SQL true when the user of `user_id_column` is held by an active matter."""
    return exists(select(Custodian.id).join(Matter, Matter.id == Custodian.matter_id)
                  .where(Custodian.user_id == user_id_column, _holding()))


def is_held(user_id):
    return user_id is not None and bool(db.session.scalar(select(held_user_subquery(user_id))))


def deactivation_refusal(user_ids, org=None):
    """A ValidationError (code user.legal_hold) naming the matters that hold any of `user_ids`, or None:
    a custodian of an active matter may be blocked, not deactivated."""
    rows = db.session.execute(
        select(User.username, Matter.name).join(Custodian, Custodian.user_id == User.id)
        .join(Matter, Matter.id == Custodian.matter_id).where(Custodian.user_id.in_(user_ids), _holding())
        .order_by(User.username, func.lower(Matter.name)).limit(10)).all()
    if not rows:
        return None
    matters = list(dict.fromkeys(name for _u, name in rows))
    users = list(dict.fromkeys(username for username, _m in rows))
    if org is not None:
        return ValidationError(
            _l("%(org)s cannot be deactivated: it holds users on legal hold (%(users)s, in %(matters)s). Remove "
               "them from the matters first.", org=org.name, users=name_a_few(users[:3], len(users)),
               matters=name_a_few(matters[:3], len(matters))), field=None, code="user.legal_hold")
    return ValidationError(
        _l("%(users)s cannot be deactivated while on legal hold (%(matters)s): block instead, or remove them "
           "from the matter first.", users=name_a_few(users[:3], len(users)),
           matters=name_a_few(matters[:3], len(matters))), field=None, code="user.legal_hold")


def device_refusal(device):
    """A ValidationError (code device.legal_hold) naming the matters that hold the device's user, or None:
    a held device keeps backing up, so it may be blocked, not deactivated."""
    matters = [name for name, _policy in holds_of(device.user_id)]
    if not matters:
        return None
    return ValidationError(_l("This device cannot be deactivated while its user is on legal hold (%(matters)s): "
                              "block it instead.", matters=name_a_few(matters[:3], len(matters))),
                           field=None, code="device.legal_hold")


def _longest_deleted(days):
    return float("inf") if days == 0 else days


def preserve(backup, holds, stored_destinations=()):
    """The backup group's values (`backup`: {key: value}) as a held user's device takes them, and
    {key: matter name} of the values a hold decided. `holds` is holds_of(...); `stored_destinations`
    the ids of destinations that keep backups, for the hold's own backup sets."""
    if not holds:
        return backup, {}
    values, decided = dict(backup), {}
    for name, policy in holds:
        kept = {**POLICY_DEFAULTS, **(policy.backup or {})}
        for key in BACKUP_KEYS:
            mine, theirs = values.get(key), kept[key]
            if key == "remove_deleted_days":
                wins = _longest_deleted(theirs) > _longest_deleted(mine if isinstance(mine, int) else 0)
            else:
                wins = isinstance(theirs, int) and (not isinstance(mine, int) or theirs < mine)
            if wins:
                values[key], decided[key] = theirs, name
    shared = None
    for _name, policy in holds:
        mine = list(policy.filename_exclusions or [])
        shared = mine if shared is None else [e for e in shared if e in mine]
    values["filename_exclusions"] = shared or []
    decided["filename_exclusions"] = ", ".join(name for name, _p in holds)
    sets = list(values.get("backup_sets") or [])
    destinations = sorted({d for s in sets for d in s.get("destinations", []) if d in stored_destinations}
                          | set(stored_destinations[:1]))
    for name, policy in holds:
        sets.append({"name": HELD_SET % name, "included_paths": list(policy.included_paths or []),
                     "excluded_paths": list(policy.excluded_paths or []), "destinations": destinations})
    values["backup_sets"] = sets
    decided["backup_sets"] = ", ".join(name for name, _p in holds)
    return values, decided


def stored_destination_ids():
    """Ids of the destinations that keep backups, This server first: where a hold's backup set goes."""
    from webconsole.domain.destinations import STORED_KINDS
    from webconsole.models import Destination

    rows = db.session.execute(select(Destination.id, Destination.kind).where(Destination.kind.in_(STORED_KINDS))
                              .order_by(Destination.kind != "local", Destination.id)).all()
    return [i for i, _k in rows]


def held_users_count():
    """How many users an active matter holds (for the dashboard of the section)."""
    return db.session.scalar(select(func.count(func.distinct(Custodian.user_id))).select_from(Custodian)
                             .join(Matter, Matter.id == Custodian.matter_id).where(_holding()))



# -- collections -----------------------------------------------------------------------------------------

def _day(value, field, end=False):
    """A date from a form (YYYY-MM-DD) as the start of that day, or its last moment with `end`; None when empty."""
    from datetime import date, datetime, time

    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if len(value) == 10 and value[4] == "-" and value[7] == "-" else None
    except ValueError:
        day = None
    if day is None or not 1970 <= day.year <= 9998:
        raise ValidationError(_l("Enter a date as YYYY-MM-DD, from 1970 onwards."), field=field,
                              code="validation.format")
    return datetime.combine(day, time.max if end else time.min)


def collection_choices(matter):
    """(id, username) of the matter's active custodians: whom a collection may be limited to."""
    return [(u.id, u.username) for u in active_custodians(matter)]


def start_collection(actor, matter, *, user_id=None, date_from="", date_to=""):
    """Collect every active custodian of `matter` (or the one `user_id`) for an optional date range,
    in a job; the Collection."""
    from webconsole.jobs import collections as collection_jobs  # jobs load this module

    since, until = _day(date_from, "date_from"), _day(date_to, "date_to", end=True)
    if since and until and since > until:
        raise ValidationError(_l("The range must end on or after its first day."), field="date_to",
                              code="validation.range")
    user = None
    if user_id not in (None, "", 0):
        found = [u for u in active_custodians(matter, parse_id(user_id) or 0)]
        if not found:
            raise ValidationError(_l("Choose a custodian from the list."), field="custodian",
                                  code="validation.choice")
        user = found[0]
    elif not active_custodians(matter):
        raise ValidationError(_l("Add custodians to the matter before collecting it."), field="custodian",
                              code="legalhold.no_custodians")
    collection = Collection(matter_id=matter.id, user_id=getattr(user, "id", None),
                            username=getattr(user, "username", ""), date_from=since, date_to=until,
                            requested_by=actor.id, requested_username=actor.username)
    db.session.add(collection)
    db.session.flush()
    _history(matter, "Collection", actor, user)
    _audit("legalhold.collect", actor, matter, {"collection": collection.id,
                                                "custodian": getattr(user, "username", "all"),
                                                "from": date_from or "", "to": date_to or ""})
    db.session.commit()
    job = collection_jobs.start(actor, matter, collection)
    collection.job_id = job.id
    db.session.commit()
    return collection


def collections_of(matter, limit=100):
    """(Collection, Job or None) of a matter, newest first."""
    return db.session.execute(select(Collection, Job).outerjoin(Job, Job.id == Collection.job_id)
                              .where(Collection.matter_id == matter.id)
                              .order_by(Collection.id.desc()).limit(limit)).all()


# -- the API's lookups and lists (by the UIDs the Code42 clients use) ----------------------------------

def _by_uid(model, uid):
    return db.session.scalar(select(model).where(model.uid == uid)) if isinstance(uid, str) and uid else None


def matter_by_uid(actor, uid):
    found = _by_uid(Matter, uid)
    return get_matter(actor, found.id if found else 0)


def policy_by_uid(actor, uid):
    found = _by_uid(PreservationPolicy, uid)
    return get_policy(actor, found.id if found else 0)


def custodian_by_uid(actor, uid):
    """(Custodian, Matter) of the membership with this UID, in a matter `actor` reaches and of a user they reach."""
    row = _by_uid(Custodian, uid)
    matter = get_matter(actor, row.matter_id if row else 0)
    user = db.session.get(User, row.user_id)
    if not reaches(_scope(actor), user.org, user.id):
        raise NotFound(_l("No such custodian."))
    return row, matter


def membership_list(actor, params):
    """Select of memberships in matters `actor` reaches, of users they reach: filtered by matter, user,
    state (active, removed) and membership UID (the API's LegalHoldMembership search)."""
    stmt = (select(Custodian.id, Custodian.uid, Custodian.active, Custodian.created_at, Custodian.matter_id,
                   Custodian.user_id, User.username)
            .join(User, User.id == Custodian.user_id).join(Matter, Matter.id == Custodian.matter_id))
    stmt = restrict(stmt, _scope(actor), org_column=Matter.org_id)
    stmt = restrict(stmt, _scope(actor), org_column=User.org_id, user_column=User.id)
    f = params.filters
    if f.get("matter"):
        stmt = stmt.where(Custodian.matter_id == f["matter"])
    if f.get("user"):
        stmt = stmt.where(Custodian.user_id == f["user"])
    if f.get("uid"):
        stmt = stmt.where(Custodian.uid == f["uid"])
    if f.get("state") in ("active", "removed"):
        stmt = stmt.where(Custodian.active.is_(f["state"] == "active"))
    if f.get("username"):
        stmt = stmt.where(User.username == f["username"].strip().lower())
    return stmt


def event_list(actor, params):
    """Select of the history of matters `actor` reaches, filtered by matter and by a time range."""
    stmt = (select(HoldEvent.id, HoldEvent.event_type, HoldEvent.at, HoldEvent.matter_id, HoldEvent.actor_username,
                   HoldEvent.custodian_username, HoldEvent.user_id).join(Matter, Matter.id == HoldEvent.matter_id))
    stmt = restrict(stmt, _scope(actor), org_column=Matter.org_id)
    f = params.filters
    if f.get("matter"):
        stmt = stmt.where(HoldEvent.matter_id == f["matter"])
    from datetime import datetime, time

    if f.get("since"):
        stmt = stmt.where(HoldEvent.at >= datetime.combine(f["since"], time.min))
    if f.get("until"):
        stmt = stmt.where(HoldEvent.at <= datetime.combine(f["until"], time.max))
    return stmt
