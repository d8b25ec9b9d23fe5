"""Legal hold, as py42's LegalHoldService and code42cli's `legal-hold` commands use it."""
from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp
from webconsole.blueprints.code42_api.door import (
    PAGE_SIZE_MAX,
    ApiError,
    api,
    body,
    iso,
    number,
    numbered_page,
    page_args,
    text,
)
from webconsole.domain import legal_hold as domain
from webconsole.domain import legal_hold_lookups as lookups
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.listings import catalog
from webconsole.extensions import db
from webconsole.models import Custodian, Matter, PreservationPolicy, User

PERMISSION = domain.PERMISSION
ACTIVE_STATES = {"ACTIVE": "active", "INACTIVE": "inactive", "ALL": None}


def _person(user_id, username=""):
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        return {"userUid": None, "username": username, "email": None, "userExtRef": None}
    return {"userUid": user.uid, "username": user.username, "email": user.email, "userExtRef": None}


def policy_shape(policy):
    return {"legalHoldPolicyUid": policy.uid, "name": policy.name, "policy": None,
            "creationDate": iso(policy.created_at), "modificationDate": iso(policy.updated_at),
            "creatorUser": _person(policy.created_by, policy.created_by_username)}


def matter_shape(matter):
    policy = db.session.get(PreservationPolicy, matter.policy_id)
    creator = _person(matter.created_by, matter.created_by_username)
    creator["user"] = {k: creator[k] for k in ("userUid", "username", "email")}  # read so with API-client auth
    return {"legalHoldUid": matter.uid, "name": matter.name, "description": matter.description,
            "notes": matter.notes, "holdExtRef": matter.reference or None, "active": matter.status == "active",
            "creationDate": iso(matter.created_at), "lastModified": iso(matter.updated_at),
            "holdPolicyUid": policy.uid if policy else None, "policyId": policy.uid if policy else None,
            "externalReference": matter.reference or None, "creator": creator}


def membership_shape(row, matter=None, user=None):
    matter = matter or db.session.get(Matter, row.matter_id)
    user = user or db.session.get(User, row.user_id)
    return {"legalHoldMembershipUid": row.uid, "active": row.active, "creationDate": iso(row.created_at),
            "legalHold": {"legalHoldUid": matter.uid, "name": matter.name},
            "user": {"userUid": user.uid, "username": user.username, "email": user.email, "userExtRef": None}}


def _required(values, name, maximum=255):
    value = values.get(name)
    # NUL is refused here: PostgreSQL cannot compare it (a 500 there), and no UID or name holds one.
    if not isinstance(value, str) or not value or len(value) > maximum or "\x00" in value:
        raise ApiError(400, "validation.required", _l("Give %(name)s as text.", name=name), name)
    return value


@bp.get("/api/v4/legal-hold-policy/list")
@api(PERMISSION)
def policies(actor):
    """Every preservation policy (a list)."""
    found = db.session.scalars(select(PreservationPolicy).order_by(PreservationPolicy.name, PreservationPolicy.id))
    return [policy_shape(p) for p in found]


@bp.post("/api/v4/legal-hold-policy/create")
@api(PERMISSION)
def create_policy(actor):
    """A new preservation policy {"name", "policy"}: it preserves the user's home folder and keeps every
    version by default (change it in the console)."""
    values = body()
    if values.get("policy") not in (None, {}, ""):
        raise ApiError(400, "validation.unsupported",
                       _l("Describe the policy in the console; the API sets its name only."), "policy")
    policy = domain.create_policy(actor, {"name": [_required(values, "name", domain.NAME_MAX)],
                                          "included_paths": ["~"]})
    return policy_shape(policy)


@bp.get("/api/v4/legal-hold-policy/view")
@api(PERMISSION)
def view_policy(actor):
    """One policy by legalHoldPolicyUid."""
    return policy_shape(lookups.policy_by_uid(actor, text("legalHoldPolicyUid", 32) or ""))


@bp.post("/api/v1/LegalHold")
@api(PERMISSION)
def create_matter(actor):
    """A new matter {"name", "holdPolicyUid", "description", "notes", "holdExtRef"}, active."""
    return _create_matter(actor, "holdPolicyUid", "holdExtRef")


def _create_matter(actor, policy_key, reference_key):
    values = body()
    try:
        policy = lookups.policy_by_uid(actor, _required(values, policy_key, 32))
    except NotFound:
        raise ApiError(400, "legalhold.policy", _l("Choose a preservation policy from the list."),
                       policy_key) from None
    matter = domain.create_matter(actor, name=_required(values, "name", domain.NAME_MAX), policy_id=policy.id,
                                  description=(text("description", domain.TEXT_MAX, source=values) or ""),
                                  notes=(text("notes", domain.TEXT_MAX, source=values) or ""),
                                  reference=(text(reference_key, domain.REFERENCE_MAX, source=values) or ""))
    return matter_shape(matter)


def _active_state():
    raw = (request.args.get("activeState") or "ACTIVE").upper()
    if raw not in ACTIVE_STATES:
        raise ApiError(400, "validation.choice", _l("activeState is ACTIVE, INACTIVE or ALL."), "activeState")
    return ACTIVE_STATES[raw]


def _params(listing, filters):
    try:
        return listing.params(filters={k: v for k, v in filters.items() if v not in (None, "")})
    except ValidationError as error:
        raise ApiError(400, error.code, error.message, error.field) from None


def _matter_page(actor, page_num, page_size, status, creator, name, reference):
    creator_id = db.session.scalar(select(User.id).where(User.uid == creator)) if creator else None
    params = _params(catalog.MATTERS, {"status": status, "name": name, "reference": reference,
                                       "creator": str(creator_id or 2**62) if creator else None})
    rows = numbered_page(catalog.MATTERS, actor, params, page_num, page_size)
    found = {m.id: m for m in db.session.scalars(select(Matter).where(Matter.id.in_([r.id for r in rows])))}
    return [matter_shape(found[r.id]) for r in rows if r.id in found], params


@bp.get("/api/v1/LegalHold")
@api(PERMISSION)
def matters(actor):
    """A page of matters: activeState (ACTIVE by default, INACTIVE, ALL), creatorUserUid, name (contained),
    holdExtRef."""
    page_num, page_size = page_args()
    shown, params = _matter_page(actor, page_num, page_size, _active_state(), text("creatorUserUid", 32),
                                 text("name", 100), text("holdExtRef", 255))
    return {"legalHolds": shown, "totalCount": catalog.MATTERS.count(actor, params)[0]}


@bp.get("/api/v1/LegalHold/<matter_uid>")
@api(PERMISSION)
def matter(actor, matter_uid):
    """One matter by its UID (403 when it does not exist or is out of reach: py42 expects so)."""
    try:
        return matter_shape(lookups.matter_by_uid(actor, matter_uid))
    except NotFound:
        raise ApiError(403, "legalhold.not_found", _l("No such matter, or you may not see it.")) from None


@bp.post("/api/v1/LegalHoldMembership")
@api(PERMISSION)
def add_membership(actor):
    """Make the user userUid a custodian of the matter legalHoldUid; USER_ALREADY_IN_HOLD when they are."""
    return _add_membership(actor)


def _add_membership(actor):
    values = body()
    matter = lookups.matter_by_uid(actor, _required(values, "legalHoldUid", 32))
    user = db.session.scalar(select(User).where(User.uid == _required(values, "userUid", 32)))
    [added] = domain.add_custodians(actor, matter, [str(user.id) if user else ""])
    row = db.session.scalar(select(Custodian).where(Custodian.matter_id == matter.id, Custodian.user_id == added.id))
    return membership_shape(row, matter, added)


def _membership_page(actor, page_num, page_size, state):
    matter_uid, user_uid = text("legalHoldUid", 32), text("userUid", 32)
    uid, username = text("legalHoldMembershipUid", 32), text("user", 255)
    if not (matter_uid or user_uid or uid or username):
        raise ApiError(400, "legalhold.criteria", _l("At least one criteria must be specified"))
    filters = {"uid": uid, "username": username, "state": {"active": "active", "inactive": "removed"}.get(state)}
    if matter_uid:
        filters["matter"] = str(lookups.matter_by_uid(actor, matter_uid).id)
    if user_uid:
        filters["user"] = str(db.session.scalar(select(User.id).where(User.uid == user_uid)) or 2**62)
    params = _params(catalog.MEMBERSHIPS, filters)
    rows = numbered_page(catalog.MEMBERSHIPS, actor, params, page_num, page_size)
    found = {c.id: c for c in db.session.scalars(select(Custodian).where(Custodian.id.in_([r.id for r in rows])))}
    return [membership_shape(found[r.id]) for r in rows if r.id in found], params


@bp.get("/api/v1/LegalHoldMembership")
@api(PERMISSION)
def memberships(actor):
    """A page of memberships: by legalHoldMembershipUid, legalHoldUid, userUid or user (a username), and
    activeState (ACTIVE by default); at least one of the first four."""
    page_num, page_size = page_args()
    shown, params = _membership_page(actor, page_num, page_size, _active_state())
    return {"legalHoldMemberships": shown, "totalCount": catalog.MEMBERSHIPS.count(actor, params)[0]}


@bp.post("/api/v1/LegalHoldMembershipDeactivation")
@api(PERMISSION)
def remove_membership(actor):
    """End a membership {"legalHoldMembershipUid"} (the custodian is no longer held by that matter)."""
    row, matter = lookups.custodian_by_uid(actor, _required(body(), "legalHoldMembershipUid", 32))
    if row.active:
        domain.set_custodians_active(actor, matter, [str(row.id)], False)
    return None


@bp.post("/api/v4/legal-hold-deactivation/update")
@api(PERMISSION)
def deactivate_matter(actor):
    """Deactivate the matter {"legalHoldUid"}."""
    domain.set_matter_active(actor, lookups.matter_by_uid(actor, _required(body(), "legalHoldUid", 32)), False)
    return None


@bp.put("/api/v1/LegalHoldReactivation/<matter_uid>")
@api(PERMISSION)
def reactivate_matter(actor, matter_uid):
    """Reactivate a matter."""
    domain.set_matter_active(actor, lookups.matter_by_uid(actor, matter_uid), True)
    return None


def _day(name):
    raw = text(name, 40)
    return raw[:10] if raw else None


@bp.get("/api/v1/LegalHoldEventReport")
@api(PERMISSION)
def events(actor):
    """A page of matters' history: legalHoldUid, minEventDate, maxEventDate (days)."""
    page_num, page_size = page_args()
    matter_uid = text("legalHoldUid", 32)
    filters = {"since": _day("minEventDate"), "until": _day("maxEventDate"),
               "matter": str(lookups.matter_by_uid(actor, matter_uid).id) if matter_uid else None}
    params = _params(catalog.HOLD_EVENTS, filters)
    rows = numbered_page(catalog.HOLD_EVENTS, actor, params, page_num, page_size)
    uids = dict(db.session.execute(select(Matter.id, Matter.uid).where(
        Matter.id.in_({r.matter_id for r in rows}))).all()) if rows else {}
    return {"legalHoldEvents": [{
        "eventUid": str(r.id), "eventType": r.event_type, "occurredAt": iso(r.at), "eventDate": iso(r.at),
        "legalHoldUid": uids.get(r.matter_id), "actorUsername": r.actor_username,
        "custodianUsername": r.custodian_username or None, "actorUserUid": None} for r in rows]}




# -- /api/v27: the same, as py42 asks for it when it signs in as an API client (bare JSON) ---------------

V27_STATES = {"true": "active", "false": "inactive", "none": None, "": None}


def _v27_page():
    return number("pageSize", 500, 1, PAGE_SIZE_MAX), number("page", 1, 1, 10**9)


@bp.get("/api/v27/legal-hold-policy/list")
@api(PERMISSION, envelope=False)
def v27_policies(actor):
    """Every preservation policy (a list)."""
    return jsonify(policies.__wrapped__(actor))


@bp.post("/api/v27/legal-hold-policy/create")
@api(PERMISSION, envelope=False)
def v27_create_policy(actor):
    """A new preservation policy {"name"}."""
    return create_policy.__wrapped__(actor)


@bp.get("/api/v27/legal-hold-policy/view")
@api(PERMISSION, envelope=False)
def v27_policy(actor):
    """One policy by legalHoldPolicyUid (403 when it is not there, as py42 expects)."""
    try:
        return policy_shape(lookups.policy_by_uid(actor, text("legalHoldPolicyUid", 32) or ""))
    except NotFound:
        raise ApiError(403, "legalhold.not_found", _l("No such matter, or you may not see it.")) from None


@bp.post("/api/v27/legal-hold-matter/create")
@api(PERMISSION, envelope=False)
def v27_create_matter(actor):
    """A new matter {"policyId", "name", "description", "notes", "externalReference"}."""
    return _create_matter(actor, "policyId", "externalReference")


@bp.get("/api/v27/legal-hold-matter/view")
@api(PERMISSION, envelope=False)
def v27_matter(actor):
    """One matter by legalHoldUid."""
    return matter.__wrapped__(actor, text("legalHoldUid", 32) or "")


@bp.get("/api/v27/legal-hold-matter/list")
@api(PERMISSION, envelope=False)
def v27_matters(actor):
    """A page (page, pageSize) of matters (a list): active (true, false, none), creatorPrincipalId, name,
    externalReference."""
    size, page = _v27_page()
    active = (request.args.get("active") or "true").lower()
    if active not in V27_STATES:
        raise ApiError(400, "validation.choice", _l("%(name)s must be true or false.", name="active"), "active")
    shown, _params_used = _matter_page(actor, page, size, V27_STATES[active], text("creatorPrincipalId", 32),
                                       text("name", 100), text("externalReference", 255))
    return jsonify(shown)


@bp.get("/api/v27/legal-hold-membership/list")
@api(PERMISSION, envelope=False)
def v27_memberships(actor):
    """A page of memberships (a list), as /api/v1/LegalHoldMembership takes them (active: ACTIVE, INACTIVE, ALL)."""
    size, page = _v27_page()
    raw = (request.args.get("active") or "ACTIVE").upper()
    if raw not in ACTIVE_STATES:
        raise ApiError(400, "validation.choice", _l("activeState is ACTIVE, INACTIVE or ALL."), "active")
    shown, _params_used = _membership_page(actor, page, size, ACTIVE_STATES[raw])
    return jsonify(shown)


@bp.post("/api/v27/legal-hold-membership/create")
@api(PERMISSION, envelope=False)
def v27_add_membership(actor):
    """Make userUid a custodian of legalHoldUid."""
    return _add_membership(actor)


@bp.post("/api/v27/legal-hold-membership/deactivate")
@api(PERMISSION, envelope=False)
def v27_remove_membership(actor):
    """End a membership {"legalHoldMembershipUid"}."""
    return remove_membership.__wrapped__(actor)


def _v27_status(active):
    @api(PERMISSION, envelope=False)
    def view(actor):
        held = lookups.matter_by_uid(actor, _required(body(), "legalHoldUid", 32))
        if (held.status == "active") == active:
            code = "legalhold.already_active" if active else "legalhold.already_inactive"
            raise ApiError(400, code, _l("Nothing changed: the matter is already so."), "legalHoldUid")
        domain.set_matter_active(actor, held, active)
        return None

    return view


for _name, _active in (("deactivate", False), ("activate", True)):
    _view = _v27_status(_active)
    _view.__name__ = f"v27_matter_{_name}"
    _view.__doc__ = f"POST /api/v27/legal-hold-matter/{_name}: {_name} the matter; refused when it already is."
    bp.add_url_rule(f"/api/v27/legal-hold-matter/{_name}", endpoint=_view.__name__, view_func=_view,
                    methods=["POST"])
