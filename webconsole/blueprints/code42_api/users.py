"""Users and roles, as py42's UserService and code42cli's `users` commands use them."""
from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp, shapes
from webconsole.blueprints.code42_api.door import ApiError, api, body, flag, numbered_page, page_args, text
from webconsole.blueprints.code42_api.orgs import org_filter
from webconsole.domain import users as domain
from webconsole.domain.errors import ValidationError
from webconsole.domain.listings import catalog
from webconsole.extensions import db
from webconsole.models import Role, User

ORG_NOT_FOUND = _l("Organization was not found")


@bp.get("/api/v1/User")
@api("users.view")
def list_users(actor):
    """A page of users (pgNum, pgSize), filtered by active, username, email, orgUid (with its children),
    roleId and q; an unknown username is an empty list, not an error."""
    page_num, page_size = page_args()
    filters = {}
    active = flag("active")
    if active is not None:
        filters["status"] = "active" if active else "deactivated"
    for name in ("username", "email"):
        value = text(name)
        if value:
            filters[name] = value
    org_uid = text("orgUid", 32)
    if org_uid:
        filters["org"] = org_filter(actor, org_uid, "users.view", "org.not_found", ORG_NOT_FOUND)
    role_id = text("roleId", 64)
    if role_id:
        filters["role"] = role_id
    try:
        params = catalog.USERS.params(q=text("q", 200) or "", filters=filters)
    except ValidationError as error:
        raise ApiError(400, error.code, error.message, error.field) from None
    # Counted before the page, whose end of read expires the actor: counting after it loaded the actor again.
    total = _total(catalog.USERS, actor, params)
    rows = numbered_page(catalog.USERS, actor, params, page_num, page_size, only=shapes.USER_COLUMNS)
    return {"totalCount": total, "users": shapes.users_of(rows, bool(flag("incRoles")))}


def _total(listing, actor, params):
    n, _exact = listing.count(actor, params)
    return n


def _user(actor, user_ref, permission="users.view"):
    """The user named by the path: a UID with ?idType=uid, else the numeric id."""
    if request.args.get("idType") == "uid":
        return domain.get_user_by_uid(actor, user_ref, permission)
    return domain.get_user(actor, user_ref, permission)


@bp.get("/api/v1/User/<user_ref>")
@api("users.view")
def get_user(actor, user_ref):
    """One user, by id or (idType=uid) by UID."""
    return shapes.user(_user(actor, user_ref), roles=bool(flag("incRoles")))


@bp.post("/api/v1/User")
@api("users.edit")
def create_user(actor):
    """A new user in the org orgUid: {"orgUid", "username", "email", "password", "firstName", "lastName",
    "notes"}. A username that exists is refused with USER_DUPLICATE (400: the original answers 500)."""
    values = body()
    org_uid = text("orgUid", 32, source=values) or ""
    org_id = int(org_filter(actor, org_uid, "users.view", "org.not_found", ORG_NOT_FOUND)) if org_uid else 0
    username = text("username", source=values) or ""
    if username and db.session.scalar(select(User.id).where(User.username == username.strip().lower())):
        raise ApiError(400, "user.duplicate", _l("A user with this username already exists."), "username")
    password = text("password", 1024, source=values)
    if not password:
        raise ApiError(400, "validation.required", _l("Give the new user a password."), "password")
    user = domain.create_user(actor, org_id=org_id, username=username,
                              first_name=text("firstName", source=values) or "",
                              last_name=text("lastName", source=values) or "", password=password)
    email, notes = text("email", source=values), text("notes", domain.NOTES_MAX, source=values)
    if email or notes:
        domain.update_profile(actor, user.id, first_name=user.first_name, last_name=user.last_name,
                              email=email or user.email, notes=notes)
    return shapes.user(user)


@bp.put("/api/v1/User/<user_ref>")
@api("users.edit")
def update_user(actor, user_ref):
    """Change a user's names, e-mail, notes or password; a null or absent value leaves it as it is."""
    user = _user(actor, user_ref, "users.edit")
    values = body()
    if text("username", source=values) not in (None, user.username):
        raise ApiError(400, "validation.readonly", _l("A username cannot be changed."), "username")
    first, last = text("firstName", source=values), text("lastName", source=values)
    email, notes = text("email", source=values), text("notes", domain.NOTES_MAX, source=values)
    domain.update_profile(actor, user.id, first_name=user.first_name if first is None else first,
                          last_name=user.last_name if last is None else last,
                          email=user.email if email is None else email, notes=notes)
    password = text("password", 1024, source=values)
    if password:
        domain.reset_password(actor, user.id, password)
    quota = values.get("quotaInBytes")
    if quota is not None and quota != -1:
        raise ApiError(400, "validation.unsupported", _l("Set quotas in the organization's device defaults."),
                       "quotaInBytes")
    return None


def _action(change):
    @api("users.edit")
    def view(actor, user_uid):
        user = domain.get_user_by_uid(actor, user_uid, "users.edit")
        change(actor, user, body() if request.method == "POST" and request.get_data(cache=True) else {})
        return None

    return view


def _block(actor, user, values):
    domain.set_user_blocked(actor, user.id, True)


def _unblock(actor, user, values):
    domain.set_user_blocked(actor, user.id, False)


def _deactivate(actor, user, values):
    domain.set_user_active(actor, user.id, False)
    if values.get("block") is True:
        domain.set_user_blocked(actor, user.id, True)


def _activate(actor, user, values):
    domain.set_user_active(actor, user.id, True)
    if values.get("unblock") is True:
        domain.set_user_blocked(actor, user.id, False)


def _move(actor, user, values):
    org_id = values.get("orgId")
    if isinstance(org_id, bool) or not isinstance(org_id, int):
        raise ApiError(400, "validation.format", _l("orgId must be the organization's number."), "orgId")
    domain.move_user(actor, user.id, org_id)


for _name, _change in (("block", _block), ("unblock", _unblock), ("deactivate", _deactivate),
                       ("activate", _activate), ("move", _move)):
    _view = _action(_change)
    _view.__name__ = f"user_{_name}"
    _view.__doc__ = f"POST /api/v3/users/<uid>/{_name}: {_change.__name__.strip('_')} the user."
    bp.add_url_rule(f"/api/v3/users/<user_uid>/{_name}", endpoint=f"user_{_name}", view_func=_view,
                    methods=["POST"])


@bp.get("/api/v1/role")
@api("users.view")
def roles(actor):
    """The roles the caller may grant (a list, not an object)."""
    return [shapes.role(r) for r in domain.grantable_roles(actor)]


@bp.get("/api/v3/users/<user_uid>/roles")
@api("users.view")
def user_roles(actor, user_uid):
    """A user's roles (a list)."""
    return [shapes.role(r) for r in domain.get_user_by_uid(actor, user_uid).roles]


@bp.put("/api/v3/users/<user_uid>/roles")
@api("users.edit")
def set_user_roles(actor, user_uid):
    """Replace a user's roles with {"roleIds": [...]} (the roles the caller may not grant stay)."""
    user = domain.get_user_by_uid(actor, user_uid, "users.edit")
    keys = body().get("roleIds")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys) or len(keys) > 100:
        raise ApiError(400, "validation.format", _l("roleIds must be a list of role ids."), "roleIds")
    found = {r.key: r.id for r in db.session.scalars(select(Role).where(Role.key.in_(keys)))}
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise ApiError(400, "user.role_not_grantable", _l("You cannot grant one of the chosen roles."), "roleIds")
    domain.set_roles(actor, user.id, [found[k] for k in dict.fromkeys(keys)])
    return None
