"""Users and roles of the Incydr API, as the incydr SDK's `users.v1` uses them (bare JSON; `userId` is the
user's UID). The same domain functions, listing and scope as the browser and the legacy API."""
from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from webconsole.blueprints.code42_api import bp, incydr_shapes
from webconsole.blueprints.code42_api.door import ApiError, api, body, flag, numbered_page, page_args, text
from webconsole.blueprints.code42_api.incydr_devices import device_page
from webconsole.blueprints.code42_api.shapes import in_order
from webconsole.domain import users as domain
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.extensions import db
from webconsole.models import Org, Role, User

ROLE_IDS_MAX = 100


def listed(actor, filters, page_num, page_size):
    """(the Incydr shapes of a numbered page of users with these listing filters, how many match)."""
    try:
        params = catalog.USERS.params(filters=filters)
    except ValidationError as error:
        raise ApiError(400, error.code, error.message, error.field) from None
    rows = numbered_page(catalog.USERS, actor, params, page_num, page_size)
    # The page shows no roles: loading them (and their permissions) for 100 users is work for nothing.
    found = in_order(User, [r.id for r in rows], lazyload(User.roles))
    return [incydr_shapes.user(u) for u in found], catalog.USERS.count(actor, params)[0]


@bp.get("/v1/users")
@api("users.view", envelope=False)
def incydr_list_users(actor):
    """A page (`page` from 1, `pageSize`) of users: `active`, `blocked`, `username` (exact)."""
    page_num, page_size = page_args("page", "pageSize")
    filters = {}
    for name, key in (("active", "status"), ("blocked", "blocked")):
        value = flag(name)
        if value is not None:
            filters[key] = ("active" if value else "deactivated") if key == "status" else ("yes" if value else "no")
    username = text("username")
    if username:
        filters["username"] = username
    shown, total = listed(actor, filters, page_num, page_size)
    return {"users": shown, "totalCount": total}


# Routed before /v1/users/<user_uid> so that "roles" is never read as a user's id.
@bp.get("/v1/users/roles")
@api("users.view", envelope=False)
def incydr_roles(actor):
    """The roles the caller may grant: a bare list."""
    return [incydr_shapes.role(r) for r in domain.grantable_roles(actor)]


@bp.get("/v1/users/roles/<role_id>")
@api("users.view", envelope=False)
def incydr_role(actor, role_id):
    """One role the caller may grant, by its id (its key, such as desktop_user)."""
    for role in domain.grantable_roles(actor):
        if role.key == role_id:
            return incydr_shapes.role(role)
    abort(404)


@bp.get("/v1/users/<user_uid>")
@api("users.view", envelope=False)
def incydr_get_user(actor, user_uid):
    """One user by UID."""
    return incydr_shapes.user(domain.get_user_by_uid(actor, user_uid))


@bp.get("/v1/users/<user_uid>/roles")
@api("users.view", envelope=False)
def incydr_user_roles(actor, user_uid):
    """A user's roles: {"roles": [...]}."""
    return {"roles": [incydr_shapes.user_role(r) for r in domain.get_user_by_uid(actor, user_uid).roles]}


@bp.get("/v1/users/<user_uid>/devices")
@api("devices.view", envelope=False)
def incydr_user_devices(actor, user_uid):
    """A page of one user's devices, as /v1/devices takes it (a Desktop User may ask for their own)."""
    user = domain.get_user_by_uid(actor, user_uid, "devices.view")
    return device_page(actor, {"user": str(user.id)})


@bp.put("/v1/users/<user_uid>/roles")
@api("users.edit", envelope=False)
def incydr_set_user_roles(actor, user_uid):
    """Replace the roles the caller may grant with {"roleIds": [...]}; what changed, in the SDK's words."""
    user = domain.get_user_by_uid(actor, user_uid, "users.edit")
    keys = body().get("roleIds")
    if not isinstance(keys, list) or len(keys) > ROLE_IDS_MAX or not all(
            isinstance(k, str) and len(k) <= 64 for k in keys):
        raise ApiError(400, "validation.format", _l("roleIds must be a list of role ids."), "roleIds")
    keys = list(dict.fromkeys(keys))
    found = {r.key: r.id for r in db.session.scalars(select(Role).where(Role.key.in_(keys)))} if keys else {}
    if any(k not in found for k in keys):
        raise ApiError(400, "user.role_not_grantable", _l("You cannot grant one of the chosen roles."), "roleIds")
    before = {r.key for r in user.roles}
    after = {r.key for r in domain.set_roles(actor, user.id, [found[k] for k in keys]).roles}
    return {"processedReplacementRoleIds": keys, "newlyAssignedRolesIds": sorted(after - before),
            "unassignedRolesIds": sorted(before - after), "ignoredRolesIds": sorted(set(keys) - after)}


@bp.post("/v1/users/<user_uid>/move")
@api("users.edit", envelope=False)
def incydr_move_user(actor, user_uid):
    """Move a user, and their devices, to the organization {"orgGuid"}."""
    user = domain.get_user_by_uid(actor, user_uid, "users.edit")
    org_guid = text("orgGuid", 32, source=body())
    org_id = db.session.scalar(select(Org.id).where(Org.uid == org_guid)) if org_guid else None
    domain.move_user(actor, user.id, org_id or 0)
    return None


@bp.post("/v1/users/<user_uid>/activate")
@api("users.edit", envelope=False)
def incydr_activate_user(actor, user_uid):
    """Reactivate a user and their devices."""
    domain.set_user_active(actor, domain.get_user_by_uid(actor, user_uid, "users.edit").id, True)
    return None


@bp.post("/v1/users/<user_uid>/deactivate")
@api("users.edit", envelope=False)
def incydr_deactivate_user(actor, user_uid):
    """Deactivate a user and their devices; a custodian of an active legal hold is refused (ACTIVE_LEGAL_HOLD)."""
    domain.set_user_active(actor, domain.get_user_by_uid(actor, user_uid, "users.edit").id, False)
    return None

