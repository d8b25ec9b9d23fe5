"""Users: what a signed-in user may see of them, and the changes an administrator makes."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select, update

from webconsole.domain import audit
from webconsole.domain.auth import normalise_username
from webconsole.domain.errors import Forbidden, NotFound, ValidationError
from webconsole.domain.passwords import hash_password
from webconsole.domain.permissions import role_label
from webconsole.domain.queries import filter_by, org_subtree, text_matches
from webconsole.domain.scope import permissions_of, reaches, restrict, role_beyond, scope_for
from webconsole.domain.sessions import end_sessions
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import Device, Org, Role, User, user_roles

PASSWORD_MIN = 10

device_count = (select(func.count()).where(Device.user_id == User.id).correlate(User)
                .scalar_subquery().label("device_count"))


def user_list(actor, params):
    """Select of the users `actor` may view, with org name and device count, filtered by a search."""
    stmt = (
        select(User.id, User.uid, User.username, User.email, User.first_name, User.last_name,
               User.status, User.blocked, User.created_at, User.last_signin_at,
               Org.name.label("org_name"), device_count)
        # A LEFT JOIN keeps users the outer loop in SQLite's plan (see domain.devices.device_list).
        .outerjoin(Org, User.org_id == Org.id)
    )
    stmt = restrict(stmt, scope_for(actor, "users.view"), org_column=User.org_id, user_column=User.id)
    if params.q:
        stmt = stmt.where(or_(text_matches(User, params.q), User.uid == params.q))
    f = params.filters
    if f.get("org"):
        stmt = stmt.where(User.org_id.in_(org_subtree(f["org"])))
    if f.get("role"):
        holders = (select(user_roles.c.user_id).join(Role, Role.id == user_roles.c.role_id)
                   .where(Role.key == f["role"]))
        stmt = stmt.where(User.id.in_(holders))
    if f.get("username"):
        stmt = stmt.where(User.username == normalise_username(f["username"]))
    if f.get("email"):
        stmt = stmt.where(func.lower(User.email) == f["email"].strip().lower())
    if f.get("blocked"):  # the API's filter (yes/no)
        stmt = stmt.where(User.blocked.is_(f["blocked"] == "yes"))
    if f.get("status") == "blocked":  # blocked is a flag beside the status: a blocked user is still active
        return stmt.where(User.blocked.is_(True))
    return filter_by(stmt, f, {"status": User.status})


def get_user_by_uid(actor, uid, permission="users.view"):
    """The user with this UID if `actor` may reach it with `permission`; NotFound otherwise."""
    found = db.session.scalar(select(User.id).where(User.uid == uid)) if isinstance(uid, str) and uid else None
    return get_user(actor, found or 0, permission)


def get_user(actor, user_id, permission="users.view"):
    """The user with this id (a number, or its digits from a query string) if `actor` may reach it with
    `permission`; NotFound otherwise."""
    number = parse_id(user_id)
    user = db.session.get(User, number) if number else None
    if user is None or not reaches(scope_for(actor, permission), user.org, user.id):
        raise NotFound(_l("No such user."))
    return user


def roles_beyond(actor, target):
    """The target's roles that reach what `actor` does not (empty for the actor themselves)."""
    if target.id == actor.id:
        return []
    return [r for r in target.roles if role_beyond(actor, r)]


def manageable(actor, target):
    """May `actor` change `target`? Only users in scope whose roles reach no further than the actor's."""
    if not reaches(scope_for(actor, "users.edit"), target.org, target.id):
        return False
    return not roles_beyond(actor, target)


def _managed(actor, user_id):
    user = get_user(actor, user_id, "users.edit")
    beyond = roles_beyond(actor, user)
    if beyond:
        raise Forbidden(_l("You cannot change this user: their roles (%(roles)s) reach beyond what you manage.",
                           roles=", ".join(str(role_label(r)) for r in beyond)),
                        code="user.outranks_actor")
    return user


def grantable_roles(actor):
    """Roles `actor` may give: none reaching further, for any of its permissions, than the actor does."""
    roles = db.session.scalars(select(Role).order_by(Role.id)).all()
    return [r for r in roles if not role_beyond(actor, r)]


def unmanageable_in(actor, org_ids, status=None):
    """(a few names, how many) of the users in orgs `org_ids` (a select) that `actor` may not manage."""
    stmt = select(User.first_name, User.last_name, User.username).where(User.org_id.in_(org_ids))
    if status is not None:
        stmt = stmt.where(User.status == status)
    scope = scope_for(actor, "users.edit")
    # Without users.edit over these orgs, every user there is beyond the actor.
    if scope.kind in ("all", "subtree"):
        beyond = [r.id for r in db.session.scalars(select(Role)) if role_beyond(actor, r)]
        refused = User.id.in_(select(user_roles.c.user_id).where(user_roles.c.role_id.in_(beyond)))
        if scope.kind == "subtree":
            subtree = select(Org.id).where(Org.path.startswith(scope.org_path, autoescape=True))
            refused = or_(refused, ~User.org_id.in_(subtree))
        stmt = stmt.where(refused, User.id != actor.id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    first = db.session.execute(stmt.order_by(User.last_name, User.first_name, User.id).limit(3)).all()
    names = [" ".join(p for p in (f, last) if p) or u for f, last, u in first]
    return names, total


def name_a_few(names, total):
    """"A, B, C and 4 more": a few names of a longer list, for refusals."""
    listed = ", ".join(names)
    if total > len(names):
        return _l("%(names)s and %(n)d more", names=listed, n=total - len(names))
    return listed


def _org_for(actor, org_id):
    org = db.session.get(Org, org_id) if org_id else None
    if org is None or not reaches(scope_for(actor, "users.edit"), org) or org.status != "active":
        raise ValidationError(_l("Choose an active organization you manage."), field="org_id", code="validation.choice")
    return org


def validate_password(password):
    """Refuse passwords too short to resist guessing."""
    if len(password or "") < PASSWORD_MIN:
        raise ValidationError(_l("Use at least %(n)d characters.", n=PASSWORD_MIN), field="password",
                              code="validation.length")


def create_user(actor, *, org_id, username, first_name="", last_name="", password, role_ids=()):
    """Add a user to an org the actor manages, with roles the actor may grant."""
    org = _org_for(actor, org_id)
    username = normalise_username(username)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise ValidationError(_l("A user with this username already exists."), field="username",
                              code="user.username_taken")
    validate_password(password)
    user = User(username=username, email=username, first_name=first_name.strip(),
                last_name=last_name.strip(), org_id=org.id, password_hash=hash_password(password))
    user.org = org
    user.roles = _roles(actor, role_ids, keep=[])
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor=actor, obj=user, details={
        "org": org.name, "roles": sorted(r.name for r in user.roles)})
    db.session.commit()
    return user


def _roles(actor, role_ids, keep):
    granted = {r.id: r for r in grantable_roles(actor)}
    unknown = set(role_ids) - set(granted)
    if unknown:
        raise ValidationError(_l("You cannot grant one of the chosen roles."), field="role_ids",
                              code="user.role_not_grantable")
    # Roles the actor may not grant stay as they are: they can neither add nor remove them.
    return [r for r in keep if r.id not in granted] + [granted[i] for i in role_ids]


NOTES_MAX = 2000


def update_profile(actor, user_id, *, first_name, last_name, email, notes=None):
    """Change a user's name, contact e-mail and (given) notes."""
    user = _managed(actor, user_id)
    values = {"first_name": first_name.strip(), "last_name": last_name.strip(), "email": email.strip()}
    if notes is not None:
        if len(notes) > NOTES_MAX or "\x00" in notes:
            raise ValidationError(_l("Enter at most %(max)d characters.", max=NOTES_MAX), field="notes",
                                  code="validation.length")
        values["notes"] = notes
    changed = audit.changes(user, values)
    if changed:
        audit.record("user.update", actor=actor, obj=user, details={"changes": changed})
    db.session.commit()
    return user


def set_roles(actor, user_id, role_ids):
    """Replace the roles the actor may grant; other roles stay."""
    user = _managed(actor, user_id)
    before = sorted(r.name for r in user.roles)
    user.roles = _roles(actor, list(role_ids), keep=list(user.roles))
    after = sorted(r.name for r in user.roles)
    if user.id == actor.id and not permissions_of(user) >= {"users.edit"} and before != after:
        raise ValidationError(_l("You cannot remove your own right to manage users."), field="role_ids",
                              code="user.own_manage_right")
    if before != after:
        audit.record("user.roles", actor=actor, obj=user, details={"changes": {"roles": [before, after]}})
    db.session.commit()
    return user


def reset_password(actor, user_id, password):
    """Set a new password and end the user's sessions."""
    user = _managed(actor, user_id)
    validate_password(password)
    user.password_hash = hash_password(password)
    end_sessions([user.id])
    audit.record("user.password_reset", actor=actor, obj=user)
    db.session.commit()


def move_user(actor, user_id, org_id):
    """Move a user, and their devices, to another org the actor manages."""
    user = _managed(actor, user_id)
    org = _org_for(actor, org_id)
    if org.id == user.org_id:
        return user
    old = user.org.name
    user.org_id, user.org = org.id, org
    db.session.execute(Device.__table__.update().where(Device.user_id == user.id).values(org_id=org.id))
    audit.record("user.move", actor=actor, obj=user, details={"changes": {"org": [old, org.name]}})
    db.session.commit()
    return user


def _not_self(actor, user):
    if user.id == actor.id:
        raise ValidationError(_l("You cannot do this to your own account."), field=None, code="user.own_account")


def set_user_active(actor, user_id, active):
    """Deactivate a user (and their devices) or reactivate them (and their devices)."""
    user = _managed(actor, user_id)
    _not_self(actor, user)
    new, old = ("active", "deactivated") if active else ("deactivated", "active")
    if user.status == new:
        return user
    if not active:
        from webconsole.domain import preservation  # preservation reads users' names from here

        refusal = preservation.deactivation_refusal([user.id])
        if refusal is not None:
            raise refusal
    user.status = new
    if not active:
        end_sessions([user.id])
    result = db.session.execute(Device.__table__.update().where(
        Device.user_id == user.id, Device.status == old).values(status=new))
    refresh_user_totals([user.id])
    audit.record("user.reactivate" if active else "user.deactivate", actor=actor, obj=user,
                 details={"devices": result.rowcount})
    db.session.commit()
    return user


def set_user_blocked(actor, user_id, blocked):
    """Block a user (signing them out everywhere at once) or unblock them."""
    user = _managed(actor, user_id)
    _not_self(actor, user)
    if user.blocked == blocked:
        return user
    user.blocked = blocked
    if blocked:
        end_sessions([user.id])
    audit.record("user.block" if blocked else "user.unblock", actor=actor, obj=user)
    db.session.commit()
    return user


def deactivation_effect(user):
    """How many of the user's devices a deactivation would stop backing up."""
    return db.session.scalar(select(func.count()).select_from(Device).where(
        Device.user_id == user.id, Device.status == "active"))


ORG_CHOICES_MAX = 500  # options of an organization filter


def role_choices():
    """(key, label) of every role, for filters."""
    return [(r.key, role_label(r)) for r in db.session.scalars(select(Role).order_by(Role.id))]


def _totals_update():
    active = (Device.user_id == User.id) & (Device.status == "active")
    return update(User.__table__).values(
        backup_devices=select(func.count()).select_from(Device).where(active).scalar_subquery(),
        archive_bytes=select(func.coalesce(func.sum(Device.archive_bytes), 0)).where(active).scalar_subquery(),
    )


# One user's recount, built once: a heartbeat whose bytes changed runs it.
_ONE_USER_TOTALS = _totals_update().where(User.__table__.c.id == bindparam("user_key"))


def refresh_user_totals(user_ids=None):
    """Recount users' active devices and their stored bytes (all users when `user_ids` is None)."""
    db.session.flush()  # the recount reads the devices: changes made through the ORM first
    connection = db.session.connection()
    if isinstance(user_ids, (list, tuple)) and len(user_ids) == 1:
        connection.execute(_ONE_USER_TOTALS, {"user_key": user_ids[0]})
        return
    stmt = _totals_update()
    if user_ids is not None:
        stmt = stmt.where(User.__table__.c.id.in_(user_ids))
    connection.execute(stmt)
