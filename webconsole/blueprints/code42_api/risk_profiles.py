"""Users' risk profiles, as py42's UserRiskProfileService and code42cli's `users list-risk-profiles`,
`show-risk-profile`, `update-departure-date`, `update-risk-profile-notes`, `add-alias`, `remove-alias` use them
(bare JSON, on the watchlists-API_URL address: this console).

Every user the caller may see has a profile (empty until something is set). The console keeps a departure date
(the clients' endDate), notes and cloud aliases; it keeps no start date, manager, title, department or place, so
those are null in a profile and refused as filters or changes rather than silently ignored.
"""
from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.blueprints.code42_api import bp
from webconsole.blueprints.code42_api.door import ApiError, api, body, flag, numbered_page
from webconsole.blueprints.code42_api.watchlists import MANAGE, VIEW, paging
from webconsole.domain import api_clients
from webconsole.domain import watchlists as domain
from webconsole.domain.listings import catalog
from webconsole.domain.users import get_user_by_uid
from webconsole.extensions import db
from webconsole.models import User
from webconsole.models.watchlists import RiskProfile

NOT_KEPT_FILTERS = ("manager_id", "title", "division", "department", "employment_type", "country", "region",
                    "locality", "support_user")
PATHS = ("startDate", "endDate", "notes")
ALIASES_GIVEN_MAX = 20
# py42 raises Py42CloudAliasLimitExceededError on this text: English whatever the locale.
ALIASES_LIMIT = "Cloud usernames must be less than or equal to {}."


def profile_shape(user, profile, tenant):
    """A user's risk profile as the clients read it."""
    end = profile.departure_date if profile is not None else None
    return {
        "userId": user.uid, "tenantId": tenant, "username": user.username,
        "displayName": " ".join(n for n in (user.first_name, user.last_name) if n) or user.username,
        "notes": (profile.notes or None) if profile is not None else None,
        "managerId": None, "managerUsername": None, "managerDisplayName": None, "title": None, "division": None,
        "department": None, "employmentType": None, "country": None, "region": None, "locality": None,
        "active": user.status == "active", "deleted": False, "supportUser": False, "startDate": None,
        "endDate": {"year": end.year, "month": end.month, "day": end.day} if end else None,
        "cloudAliases": list(profile.cloud_aliases or []) if profile is not None else [],
    }


def _not_kept(name):
    return ApiError(400, "validation.unsupported", _l("The console does not keep %(name)s.", name=name), name)


@bp.get("/v1/user-risk-profiles")
@api(VIEW, envelope=False)
def risk_profiles(actor):
    """A page (page, page_size) of risk profiles, by username: {"userRiskProfiles", "totalCount"}; `active`
    filters (True, False)."""
    for name in NOT_KEPT_FILTERS:
        if request.args.get(name) not in (None, ""):
            raise _not_kept(name)
    page, size = paging("page_size")
    if flag("deleted"):  # users are deactivated in the console, never deleted
        return {"userRiskProfiles": [], "totalCount": 0}
    active = flag("active")
    listing = catalog.RISK_PROFILES
    params = listing.params(filters={"active": None if active is None else ("yes" if active else "no")})
    rows = numbered_page(listing, actor, params, page, size)
    ids = [r.id for r in rows]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    found = {p.user_id: p for p in db.session.scalars(select(RiskProfile).where(RiskProfile.user_id.in_(ids)))} \
        if ids else {}
    tenant = api_clients.tenant_uid()
    return {"userRiskProfiles": [profile_shape(users[i], found.get(i), tenant) for i in ids if i in users],
            "totalCount": listing.count(actor, params)[0]}


@bp.get("/v1/user-risk-profiles/<user_uid>")
@api(VIEW, envelope=False)
def risk_profile(actor, user_uid):
    """One user's risk profile, by their UID (404 when out of reach)."""
    user = get_user_by_uid(actor, user_uid, VIEW)
    return profile_shape(user, domain.profile_of(user.id), api_clients.tenant_uid())


def _end_date(value):
    """A departure date from the clients' {"year", "month", "day"} ("" clears it)."""
    if value is None:
        return ""
    parts = [value.get(k) for k in ("year", "month", "day")] if isinstance(value, dict) else None
    try:
        if not parts or not all(isinstance(p, int) and not isinstance(p, bool) for p in parts):
            raise ValueError
        return date(*parts)
    except (ValueError, OverflowError):
        raise ApiError(400, "validation.format", _l("Enter a date as YYYY-MM-DD."), "endDate") from None


@bp.patch("/v1/user-risk-profiles/<user_uid>")
@api(MANAGE, envelope=False)
def risk_update_profile(actor, user_uid):
    """Change the fields `paths` names (endDate, notes; null clears one) and answer the profile."""
    paths = [p.strip() for raw in request.args.getlist("paths") for p in raw.split(",") if p.strip()]
    if not paths or any(p not in PATHS for p in paths):
        raise ApiError(400, "validation.choice", _l("Choose a value from the list."), "paths")
    if "startDate" in paths:
        raise _not_kept("startDate")
    values = body()
    fields = {}
    if "endDate" in paths:
        fields["departure"] = _end_date(values.get("endDate"))
    if "notes" in paths:
        notes = values.get("notes")
        if notes is not None and not isinstance(notes, str):
            raise ApiError(400, "validation.format", _l("%(name)s must be text of at most %(max)d characters.",
                                                        name="notes", max=domain.NOTES_MAX), "notes")
        fields["notes"] = notes or ""
    user = get_user_by_uid(actor, user_uid, MANAGE)
    domain.update_profile(actor, user.id, **fields)
    return profile_shape(user, domain.profile_of(user.id), api_clients.tenant_uid())


def _aliases_given():
    raw = body().get("cloudAliases")
    raw = [raw] if isinstance(raw, str) else raw
    if not isinstance(raw, list) or not raw or len(raw) > ALIASES_GIVEN_MAX or \
            not all(isinstance(a, str) and len(a) <= domain.ALIAS_LENGTH_MAX for a in raw):
        raise ApiError(400, "validation.format", _l("%(name)s must be a list of at most %(max)d texts.",
                                                    name="cloudAliases", max=ALIASES_GIVEN_MAX), "cloudAliases")
    return [a.strip() for a in raw]


def _held_aliases(actor, user_uid):
    user = get_user_by_uid(actor, user_uid, MANAGE)
    found = domain.profile_of(user.id)
    return user, list(found.cloud_aliases or []) if found is not None else []


@bp.post("/v1/user-risk-profiles/<user_uid>/add-cloud-aliases")
@api(MANAGE, envelope=False)
def risk_add_aliases(actor, user_uid):
    """Add cloud aliases {"cloudAliases": [...]}; one already held is left as it is (a repeat changes nothing)."""
    given = _aliases_given()
    user, held = _held_aliases(actor, user_uid)
    merged, seen = list(held), {a.lower() for a in held}
    for alias in given:
        if alias and alias.lower() not in seen:
            merged.append(alias)
            seen.add(alias.lower())
    if len(merged) > domain.ALIASES_MAX:
        raise ApiError(400, "watchlist.aliases", ALIASES_LIMIT.format(domain.ALIASES_MAX), "cloudAliases")
    domain.update_profile(actor, user.id, cloud_aliases=merged)
    return {}


@bp.post("/v1/user-risk-profiles/<user_uid>/delete-cloud-aliases")
@api(MANAGE, envelope=False)
def risk_delete_aliases(actor, user_uid):
    """Remove cloud aliases {"cloudAliases": [...]}; one not held is no error (a repeat changes nothing)."""
    dropped = {a.lower() for a in _aliases_given()}
    user, held = _held_aliases(actor, user_uid)
    domain.update_profile(actor, user.id, cloud_aliases=[a for a in held if a.lower() not in dropped])
    return {}
