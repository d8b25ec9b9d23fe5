"""Watchlists, as py42's WatchlistsService (/v1, on the watchlists-API_URL address: this console), code42cli's
`watchlists` commands and the incydr SDK's watchlists v2 use them. Bare JSON.

The console has two watchlists, built in: Departing Employees and High Risk Employees, which the clients know by
the types DEPARTING_EMPLOYEE and HIGH_IMPACT_EMPLOYEE. Every member is included by hand (there are no departments
or directory groups to include), so a list's members and its included users are the same people. Users are named
by their UID (the clients' userId, or actorId in v2).
"""
import json
import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp
from webconsole.blueprints.code42_api.door import PAGE_SIZE_MAX, ApiError, api, body, iso, number, numbered_page, text
from webconsole.domain import api_clients
from webconsole.domain import watchlists as domain
from webconsole.domain.errors import NotFound
from webconsole.domain.listings import catalog
from webconsole.domain.users import get_user_by_uid
from webconsole.extensions import db
from webconsole.models import User
from webconsole.models.watchlists import WatchlistMember

VIEW, MANAGE = "watchlists.view", "watchlists.manage"
TYPES = {"departing": "DEPARTING_EMPLOYEE", "high_risk": "HIGH_IMPACT_EMPLOYEE"}
# Every type the clients know (py42's WatchlistType, the SDK's): those the console has not are refused as such.
CLIENT_TYPES = ("CONTRACT_EMPLOYEE", "DEPARTING_EMPLOYEE", "ELEVATED_ACCESS_PRIVILEGES", "FLIGHT_RISK",
                "HIGH_IMPACT_EMPLOYEE", "NEW_EMPLOYEE", "PERFORMANCE_CONCERNS", "POOR_SECURITY_PRACTICES",
                "SUSPICIOUS_SYSTEM_ACTIVITY", "CUSTOM", "WATCHLIST_TYPE_UNSPECIFIED")
# The lists are built in, so their ids are fixed: the same on every console and after every restart.
IDS = {key: str(uuid.uuid5(uuid.NAMESPACE_URL, f"webconsole:watchlist:{key}")) for key in TYPES}
KEYS = {watchlist_id: key for key, watchlist_id in IDS.items()}
USERS_MAX = 100  # users named in one add or remove (the SDK's own limit)
UID_MAX = 32
# Texts py42 looks for in a refusal to raise its own exception: English whatever the locale, the console's
# own message after them.
WATCHLIST_NOT_FOUND = "Watchlist not found"
USER_NOT_FOUND = "User not found"
TYPE_UNKNOWN = "Error converting value \"{}\" to type 'WatchlistSdk.Model.WatchlistType'."


# -- shapes and lookups ---------------------------------------------------------------------------------

def _shape(actor, key, version):
    """A watchlist as the clients read it; its stats count the members `actor` may see."""
    listing = catalog.WATCHLISTS[key]
    count = listing.count(actor, listing.params())[0]
    return {"watchlistId": IDS[key], "listType": TYPES[key], "title": str(domain.WATCHLISTS[key]),
            "description": None, "tenantId": api_clients.tenant_uid(),
            "stats": {"includedUsersCount" if version == 1 else "includedActorsCount": count}}


def _member(version, uid, username, added_at):
    if version == 1:
        return {"userId": uid, "username": username, "addedTime": iso(added_at)}
    return {"actorId": uid, "actorname": username, "addedTime": iso(added_at)}


def _key(watchlist_id):
    """The console's list of this id; NotFound (404) for any other."""
    key = KEYS.get(watchlist_id)
    if key is None:
        raise NotFound(_l("No such watchlist."))
    return key


def paging(size_name):
    """(page, size) from the query string: `page` from 1, and the size under the name the client uses."""
    return number("page", 1, 1, 10**9), number(size_name, 100, 1, PAGE_SIZE_MAX)


def _lists(actor, version, size_name):
    """A page of the watchlists (the two built in), only those `actorId` is on when it is given."""
    page, size = paging(size_name)
    keys = list(TYPES)
    member = text("actorId" if version == 2 else "userId", UID_MAX)
    if member:
        try:
            user = get_user_by_uid(actor, member, VIEW)
        except NotFound:
            keys = []
        else:
            keys = domain.memberships_of(user.id)
    shown = keys[(page - 1) * size:page * size]
    return {"watchlists": [_shape(actor, key, version) for key in shown], "totalCount": len(keys)}


def _members(actor, key, version, list_key):
    """A page (page, page_size) of a list's members that `actor` may see."""
    page, size = paging("page_size")
    listing = catalog.WATCHLISTS[key]
    params = listing.params(sort="username", dir="asc")
    rows = numbered_page(listing, actor, params, page, size)
    uids = dict(db.session.execute(select(User.id, User.uid).where(User.id.in_([r.id for r in rows])))
                .all()) if rows else {}
    return {list_key: [_member(version, uids.get(r.id), r.username, r.added_at) for r in rows],
            "totalCount": listing.count(actor, params)[0]}


def _one_member(actor, key, user_uid, version):
    user = get_user_by_uid(actor, user_uid, VIEW)
    row = db.session.scalar(select(WatchlistMember).where(WatchlistMember.watchlist == key,
                                                          WatchlistMember.user_id == user.id))
    if row is None:
        raise NotFound(_l("This user is not on this list."))
    return _member(version, user.uid, user.username, row.added_at)


def _create(actor, version):
    """The list of the type asked for: the console's lists always exist, so asking again answers the same one."""
    values = body()
    kind = values.get("watchlistType")
    if kind is None:
        raise ApiError(400, "validation.required", _l("Give %(name)s as text.", name="watchlistType"), "watchlistType")
    if not isinstance(kind, str) or kind not in CLIENT_TYPES:
        shown = kind if isinstance(kind, str) else json.dumps(kind)
        raise ApiError(400, "watchlist.type", TYPE_UNKNOWN.format(shown[:100]), "watchlistType")
    key = next((k for k, t in TYPES.items() if t == kind), None)
    if key is None:
        raise ApiError(400, "watchlist.type_not_offered",
                       _l("This console has the DEPARTING_EMPLOYEE and HIGH_IMPACT_EMPLOYEE watchlists only."),
                       "watchlistType")
    return _shape(actor, key, version)


def _refuse_delete(actor, watchlist_id):
    _key(watchlist_id)
    raise ApiError(400, "watchlist.built_in", _l("The console's watchlists are built in: they cannot be deleted."))


def _is_uid(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):  # code42cli sends a numeric UID as a number
        return 0 <= value < 10**UID_MAX
    return isinstance(value, str) and 0 < len(value) <= UID_MAX and value.isprintable()


def _named_users(actor, values, name):
    """The users `values[name]` names by UID, each one `actor` may manage; "User not found" otherwise."""
    raw = values.get(name)
    raw = [raw] if isinstance(raw, (str, int)) and not isinstance(raw, bool) else raw
    if not isinstance(raw, list) or not raw or len(raw) > USERS_MAX or not all(_is_uid(v) for v in raw):
        raise ApiError(400, "validation.format", _l("%(name)s must be a list of at most %(max)d texts.",
                                                    name=name, max=USERS_MAX), name)
    users = []
    for uid in dict.fromkeys(str(v) for v in raw):
        try:
            users.append(get_user_by_uid(actor, uid, MANAGE))
        except NotFound as error:
            raise ApiError(400, "watchlist.user_not_found", f"{USER_NOT_FOUND}: {error.message}", name) from None
    return users


def _change(actor, watchlist_id, name, include, status):
    """Include or remove the users named; those already so are left as they are, so a repeat changes nothing."""
    key = KEYS.get(watchlist_id)
    if key is None:
        raise ApiError(status, "watchlist.not_found", f"{WATCHLIST_NOT_FOUND}: {_l('No such watchlist.')}")
    users = _named_users(actor, body(), name)
    ids = [u.id for u in users]
    held = set(db.session.scalars(select(WatchlistMember.user_id).where(WatchlistMember.watchlist == key,
                                                                       WatchlistMember.user_id.in_(ids))))
    if include:
        new = [i for i in ids if i not in held]
        for start in range(0, len(new), domain.ADD_MAX):
            domain.add_members(actor, key, new[start:start + domain.ADD_MAX])
    else:
        for user_id in (i for i in ids if i in held):
            domain.remove_member(actor, key, user_id)
    return {}


# -- py42: /v1/watchlists ------------------------------------------------------------------------------

@bp.get("/v1/watchlists")
@api(VIEW, envelope=False)
def watchlist_v1_watchlists(actor):
    """A page (page, page_size) of the watchlists: {"watchlists", "totalCount"}."""
    return _lists(actor, 1, "page_size")


@bp.post("/v1/watchlists")
@api(MANAGE, envelope=False)
def watchlist_v1_create(actor):
    """The watchlist of watchlistType (DEPARTING_EMPLOYEE or HIGH_IMPACT_EMPLOYEE: they are built in)."""
    return _create(actor, 1)


@bp.get("/v1/watchlists/<watchlist_id>")
@api(VIEW, envelope=False)
def watchlist_v1_watchlist(actor, watchlist_id):
    """One watchlist."""
    return _shape(actor, _key(watchlist_id), 1)


@bp.delete("/v1/watchlists/<watchlist_id>")
@api(MANAGE, envelope=False)
def watchlist_v1_delete(actor, watchlist_id):
    """Refused: the console's watchlists are built in (404 for an unknown id)."""
    return _refuse_delete(actor, watchlist_id)


@bp.get("/v1/watchlists/<watchlist_id>/included-users")
@api(VIEW, envelope=False)
def watchlist_v1_included_users(actor, watchlist_id):
    """A page (page, page_size) of the users included on the list: {"includedUsers", "totalCount"}."""
    return _members(actor, _key(watchlist_id), 1, "includedUsers")


@bp.post("/v1/watchlists/<watchlist_id>/included-users/add")
@api(MANAGE, envelope=False)
def watchlist_v1_include(actor, watchlist_id):
    """Include the users {"userIds": [UID...]} on the list."""
    return _change(actor, watchlist_id, "userIds", True, 400)


@bp.post("/v1/watchlists/<watchlist_id>/included-users/delete")
@api(MANAGE, envelope=False)
def watchlist_v1_exclude(actor, watchlist_id):
    """Take the users {"userIds": [UID...]} off the list."""
    return _change(actor, watchlist_id, "userIds", False, 400)


@bp.get("/v1/watchlists/<watchlist_id>/members")
@api(VIEW, envelope=False)
def watchlist_v1_members(actor, watchlist_id):
    """A page (page, page_size) of the list's members: {"watchlistMembers", "totalCount"}."""
    return _members(actor, _key(watchlist_id), 1, "watchlistMembers")


@bp.get("/v1/watchlists/<watchlist_id>/members/<user_uid>")
@api(VIEW, envelope=False)
def watchlist_v1_member(actor, watchlist_id, user_uid):
    """One member of the list (404 when the user is not on it or out of reach)."""
    return _one_member(actor, _key(watchlist_id), user_uid, 1)


# -- incydr SDK: /v2/watchlists ------------------------------------------------------------------------

@bp.get("/v2/watchlists")
@api(VIEW, envelope=False)
def watchlist_v2_watchlists(actor):
    """A page (page, pageSize) of the watchlists, those actorId is on when it is given."""
    return _lists(actor, 2, "pageSize")


@bp.post("/v2/watchlists")
@api(MANAGE, envelope=False)
def watchlist_v2_create(actor):
    """The watchlist of watchlistType (DEPARTING_EMPLOYEE or HIGH_IMPACT_EMPLOYEE: they are built in)."""
    return _create(actor, 2)


@bp.get("/v2/watchlists/<watchlist_id>")
@api(VIEW, envelope=False)
def watchlist_v2_watchlist(actor, watchlist_id):
    """One watchlist."""
    return _shape(actor, _key(watchlist_id), 2)


@bp.delete("/v2/watchlists/<watchlist_id>")
@api(MANAGE, envelope=False)
def watchlist_v2_delete(actor, watchlist_id):
    """Refused: the console's watchlists are built in (404 for an unknown id)."""
    return _refuse_delete(actor, watchlist_id)


@bp.get("/v2/watchlists/<watchlist_id>/members")
@api(VIEW, envelope=False)
def watchlist_v2_members(actor, watchlist_id):
    """A page (page, page_size) of the list's members: {"watchlistMembers": [{actorId, actorname, addedTime}]}."""
    return _members(actor, _key(watchlist_id), 2, "watchlistMembers")


@bp.get("/v2/watchlists/<watchlist_id>/members/<actor_id>")
@api(VIEW, envelope=False)
def watchlist_v2_member(actor, watchlist_id, actor_id):
    """One member of the list."""
    return _one_member(actor, _key(watchlist_id), actor_id, 2)


@bp.get("/v2/watchlists/<watchlist_id>/included-actors")
@api(VIEW, envelope=False)
def watchlist_v2_included(actor, watchlist_id):
    """A page (page, page_size) of the actors included on the list: {"includedActors", "totalCount"}."""
    return _members(actor, _key(watchlist_id), 2, "includedActors")


@bp.get("/v2/watchlists/<watchlist_id>/included-actors/<actor_id>")
@api(VIEW, envelope=False)
def watchlist_v2_included_one(actor, watchlist_id, actor_id):
    """One actor included on the list."""
    return _one_member(actor, _key(watchlist_id), actor_id, 2)


@bp.post("/v2/watchlists/<watchlist_id>/included-actors/add")
@api(MANAGE, envelope=False)
def watchlist_v2_include(actor, watchlist_id):
    """Include the actors {"actorIds": [UID...]} on the list."""
    return _change(actor, watchlist_id, "actorIds", True, 404)


@bp.post("/v2/watchlists/<watchlist_id>/included-actors/delete")
@api(MANAGE, envelope=False)
def watchlist_v2_exclude(actor, watchlist_id):
    """Take the actors {"actorIds": [UID...]} off the list."""
    return _change(actor, watchlist_id, "actorIds", False, 404)

