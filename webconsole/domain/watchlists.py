"""Watchlists (Departing Employees, High Risk Employees) and users' risk profiles.

Who may see or change a member is the member's org: `watchlists.view` to see, `watchlists.manage`
to change, through scope_for like every list. A user outside the actor's scope is "no such user".
"""
import re
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, literal, or_, select

from webconsole.domain import audit, exposure_counts
from webconsole.domain.dates import format_day, parse_day
from webconsole.domain.errors import NotFound, ValidationError
from webconsole.domain.queries import org_subtree, text_matches
from webconsole.domain.scope import reaches, restrict, scope_for
from webconsole.domain.users import get_user
from webconsole.domain.values import parse_id
from webconsole.extensions import db
from webconsole.models import ExposureCount, FileEvent, Org, User
from webconsole.models.base import utcnow
from webconsole.models.watchlists import RiskProfile, WatchlistChange, WatchlistMember

WATCHLISTS = {"departing": _l("Departing Employees"), "high_risk": _l("High Risk Employees")}
RISK_FACTORS = {
    "contract_employee": _l("Contractor"),
    "elevated_access": _l("Elevated access privileges"),
    "flight_risk": _l("Flight risk"),
    "performance_concerns": _l("Performance concerns"),
    "suspicious_system_activity": _l("Suspicious system activity"),
    "poor_security_practices": _l("Poor security practices"),
    "high_impact_employee": _l("High impact employee"),
}
# Quick filters of a list; "leaving" ones only make sense for Departing Employees.
QUICK_FILTERS = {
    "leaving_today": _l("Leaving today"),
    "leaving_30d": _l("Leaving within 30 days"),
    "exposure_24h": _l("Exposure in the last 24 hours"),
    "exposure_30d": _l("Exposure in the last 30 days"),
}
DEPARTING_QUICK = tuple(QUICK_FILTERS)
HIGH_RISK_QUICK = ("exposure_24h", "exposure_30d")
NOTES_MAX = 1000
ALIASES_MAX = 5
ALIAS_LENGTH_MAX = 254
ADD_MAX = 50  # users added in one go: a form a person fills in, not a bulk import
# A departure a year ago or ten years ahead is already an odd date; beyond that it is a typing error.
DEPARTURE_PAST = timedelta(days=366)
DEPARTURE_FUTURE = timedelta(days=3653)
PICKER_LIMIT = 10
# The local part as RFC 5322's dot-atom allows it (no quoted strings, so no spaces or angle brackets).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_ALIAS = re.compile(rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{_LABEL}(?:\.{_LABEL})*$")


def watchlist_key(value):
    """The watchlist named `value`; ValidationError for any other."""
    if value not in WATCHLISTS:
        raise ValidationError(_l("No such watchlist."), field="watchlist", code="validation.choice")
    return value


# -- values -------------------------------------------------------------------------------------------

def departure_date(value, today=None):
    """A departure date (a date, or text in the console's locale or YYYY-MM-DD, or empty for none) within
    sane bounds of today."""
    if value in (None, ""):
        return None
    today = today or utcnow().date()
    first, last = today - DEPARTURE_PAST, today + DEPARTURE_FUTURE
    if isinstance(value, str):
        return parse_day(value, field="departure_date", first=first, last=last)
    if not first <= value <= last:
        raise ValidationError(_l("Enter a date from %(first)s to %(last)s.", first=format_day(first),
                                 last=format_day(last)), field="departure_date")
    return value


def clean_notes(value):
    """Notes of at most NOTES_MAX characters, without NUL."""
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError(_l("This field cannot contain a NUL character."), field="notes")
    if len(value) > NOTES_MAX:
        raise ValidationError(_l("Enter at most %(max)d characters.", max=NOTES_MAX), field="notes")
    return value


def clean_aliases(value):
    """Cloud aliases from a list or from text (one per line, or separated by commas): e-mail-like,
    at most ALIASES_MAX of them, duplicates (case aside) left out."""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[\s,;]+", value or "")
    found, seen = [], set()
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        if len(item) > ALIAS_LENGTH_MAX or not _ALIAS.match(item):
            raise ValidationError(_l("Enter cloud aliases as e-mail addresses such as name@example.com."),
                                  field="cloud_aliases")
        if item.lower() not in seen:
            seen.add(item.lower())
            found.append(item)
    if len(found) > ALIASES_MAX:
        raise ValidationError(_l("Enter at most %(max)d cloud aliases.", max=ALIASES_MAX), field="cloud_aliases")
    return found


def clean_factors(values):
    """Risk factor keys, each one of RISK_FACTORS, in RISK_FACTORS' order."""
    values = set(values or ())
    if not values <= set(RISK_FACTORS):
        raise ValidationError(_l("Choose risk factors from the list."), field="risk_factors")
    return [key for key in RISK_FACTORS if key in values]


# -- reading ------------------------------------------------------------------------------------------

def get_watched_user(actor, user_id, permission="watchlists.view"):
    """The user `actor` may reach with `permission`; NotFound otherwise."""
    return get_user(actor, user_id, permission)


def profile_of(user_id):
    """The user's risk profile, or None."""
    return db.session.get(RiskProfile, user_id)


def memberships_of(user_id):
    """The watchlist keys the user is on, in WATCHLISTS' order."""
    found = set(db.session.scalars(select(WatchlistMember.watchlist).where(WatchlistMember.user_id == user_id)))
    return [key for key in WATCHLISTS if key in found]


def _exposure_since(since):
    """SQL true for users with an exposed file event since `since`. The whole hours after it are
    answered by the hourly exposure counts (a range of their key per member, stopping at the first),
    the part of an hour before them by the events' (user_id, event_at, id) index."""
    hour = exposure_counts.hour_of(since) + 1
    counted = exists().where(ExposureCount.user_id == User.id, ExposureCount.username == "", ExposureCount.span == 1,
                             ExposureCount.hour >= hour, ExposureCount.exposure != 0)
    rest = exists().where(FileEvent.user_id == User.id, FileEvent.event_at >= since,
                          FileEvent.event_at < exposure_counts.start_of(hour), FileEvent.exposure != 0)
    return or_(counted, rest)


last_exposure = (select(FileEvent.event_at).where(FileEvent.user_id == User.id, FileEvent.exposure != 0)
                 .order_by(FileEvent.event_at.desc()).limit(1).correlate(User).scalar_subquery()
                 .label("last_exposure"))


def quick_condition(key, now=None):
    """The SQL condition of a quick filter (QUICK_FILTERS)."""
    now = now or utcnow()
    today = now.date()
    if key == "leaving_today":
        return RiskProfile.departure_date == today
    if key == "leaving_30d":
        return and_(RiskProfile.departure_date >= today, RiskProfile.departure_date <= today + timedelta(days=30))
    if key == "exposure_24h":
        return _exposure_since(now - timedelta(hours=24))
    return _exposure_since(now - timedelta(days=30))


def member_list(actor, params, watchlist):
    """The list query of one watchlist's members that `actor` may view."""
    stmt = (select(User.id, User.username, User.first_name, User.last_name, Org.name.label("org_name"),
                   WatchlistMember.added_at, RiskProfile.departure_date, RiskProfile.risk_factors, last_exposure,
                   literal(watchlist).label("watchlist"))
            .join(User, User.id == WatchlistMember.user_id)
            .join(Org, Org.id == User.org_id)
            .outerjoin(RiskProfile, RiskProfile.user_id == WatchlistMember.user_id)
            .where(WatchlistMember.watchlist == watchlist))
    stmt = restrict(stmt, scope_for(actor, "watchlists.view"), org_column=User.org_id, user_column=User.id)
    if params.q:
        stmt = stmt.where(text_matches(User, params.q))
    f = params.filters
    if f.get("org"):
        stmt = stmt.where(User.org_id.in_(org_subtree(f["org"])))
    if f.get("quick"):
        stmt = stmt.where(quick_condition(f["quick"]))
    return stmt


def profile_list(actor, params):
    """The list query of the users whose risk profiles `actor` may view (every user has one, empty until set)."""
    stmt = restrict(select(User.id, User.username), scope_for(actor, "watchlists.view"), org_column=User.org_id,
                    user_column=User.id)
    if params.filters.get("active"):
        stmt = stmt.where((User.status == "active") if params.filters["active"] == "yes" else (User.status != "active"))
    return stmt


def history_list(actor, params):
    """The list query of watchlist membership changes of users `actor` may view."""
    stmt = (select(WatchlistChange.id, WatchlistChange.at, WatchlistChange.watchlist, WatchlistChange.action,
                   WatchlistChange.actor_username, WatchlistChange.user_id, User.username, User.first_name,
                   User.last_name)
            .join(User, User.id == WatchlistChange.user_id))
    stmt = restrict(stmt, scope_for(actor, "watchlists.view"), org_column=User.org_id, user_column=User.id)
    if params.filters.get("list"):
        stmt = stmt.where(WatchlistChange.watchlist == params.filters["list"])
    if params.filters.get("user"):
        stmt = stmt.where(WatchlistChange.user_id == params.filters["user"])
    if params.q:
        stmt = stmt.where(text_matches(User, params.q))
    return stmt


def pick_users(actor, q, permission, limit=PICKER_LIMIT):
    """Users in `actor`'s scope for `permission` whose name, username or e-mail holds `q` (search as you type)."""
    q = " ".join((q or "").split())[:200]
    if len(q) < 2 or any(ord(c) < 32 for c in q):
        return []
    stmt = restrict(select(User.id, User.username, User.first_name, User.last_name, Org.name.label("org_name"))
                    .join(Org, Org.id == User.org_id).where(text_matches(User, q)),
                    scope_for(actor, permission), org_column=User.org_id, user_column=User.id)
    return db.session.execute(stmt.order_by(User.username, User.id).limit(limit)).all()


def users_by_id(actor, user_ids, permission):
    """The users of `user_ids` that `actor` reaches with `permission`, in the order given."""
    ids = [n for n in (parse_id(i) for i in user_ids) if n][:ADD_MAX]
    if not ids:
        return []
    stmt = restrict(select(User).where(User.id.in_(ids)), scope_for(actor, permission),
                    org_column=User.org_id, user_column=User.id)
    found = {u.id: u for u in db.session.scalars(stmt)}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def history_of(user_id, limit=20):
    """The user's latest membership changes, newest first."""
    return db.session.scalars(select(WatchlistChange).where(WatchlistChange.user_id == user_id)
                              .order_by(WatchlistChange.id.desc()).limit(limit)).all()


# -- changes ------------------------------------------------------------------------------------------

def _profile(user):
    profile = db.session.get(RiskProfile, user.id)
    if profile is None:
        profile = RiskProfile(user_id=user.id, notes="", cloud_aliases=[], risk_factors=[])
        db.session.add(profile)
    return profile


def _apply_profile(actor, user, values):
    """Apply cleaned profile `values` (only the keys given) and audit what changed."""
    profile = _profile(user)
    changed = audit.changes(profile, values)
    if changed:
        profile.updated_by = actor.id
        audit.record("watchlist.profile", actor=actor, obj=user, details={"changes": changed})
    return changed


def add_members(actor, watchlist, user_ids, *, departure=None, risk_factors=None, notes=None, cloud_aliases=None):
    """Add the users of `user_ids` to `watchlist`, with the list's profile fields; returns the users added.

    A user out of `actor`'s scope is "no such user"; one already on the list is refused by name, so
    the list never holds a user twice.
    """
    watchlist = watchlist_key(watchlist)
    ids = [parse_id(i) for i in user_ids]
    if not ids:
        raise ValidationError(_l("Choose at least one user."), field="user_ids")
    if None in ids or len(set(ids)) > ADD_MAX:
        raise ValidationError(_l("No such user."), field="user_ids", code="not_found")
    users = users_by_id(actor, ids, "watchlists.manage")
    if len(users) != len(set(ids)):
        raise ValidationError(_l("No such user."), field="user_ids", code="not_found")
    values = _profile_values(departure=departure, risk_factors=risk_factors, notes=notes, cloud_aliases=cloud_aliases)
    already = set(db.session.scalars(select(WatchlistMember.user_id).where(
        WatchlistMember.watchlist == watchlist, WatchlistMember.user_id.in_([u.id for u in users]))))
    if already:
        names = ", ".join(u.username for u in users if u.id in already)
        raise ValidationError(_l("Already on this list: %(names)s.", names=names), field="user_ids",
                              code="watchlist.already_member")
    for user in users:
        db.session.add(WatchlistMember(watchlist=watchlist, user_id=user.id, added_by=actor.id))
        db.session.add(WatchlistChange(watchlist=watchlist, user_id=user.id, action="added", actor_id=actor.id,
                                       actor_username=actor.username))
        audit.record("watchlist.add", actor=actor, obj=user, details={"watchlist": watchlist})
        _apply_profile(actor, user, values)
    db.session.commit()
    return users


def remove_member(actor, watchlist, user_id):
    """Take a user off a watchlist; their risk profile stays (the other list may show it)."""
    watchlist = watchlist_key(watchlist)
    user = get_watched_user(actor, user_id, "watchlists.manage")
    member = db.session.scalar(select(WatchlistMember).where(WatchlistMember.watchlist == watchlist,
                                                             WatchlistMember.user_id == user.id))
    if member is None:
        raise NotFound(_l("This user is not on this list."))
    db.session.delete(member)
    db.session.add(WatchlistChange(watchlist=watchlist, user_id=user.id, action="removed", actor_id=actor.id,
                                   actor_username=actor.username))
    audit.record("watchlist.remove", actor=actor, obj=user, details={"watchlist": watchlist})
    db.session.commit()
    return user


def _profile_values(*, departure=None, risk_factors=None, notes=None, cloud_aliases=None):
    """The given profile fields, cleaned (None: leave as it is)."""
    values = {}
    if departure is not None:
        values["departure_date"] = departure_date(departure)
    if risk_factors is not None:
        values["risk_factors"] = clean_factors(risk_factors)
    if notes is not None:
        values["notes"] = clean_notes(notes)
    if cloud_aliases is not None:
        values["cloud_aliases"] = clean_aliases(cloud_aliases)
    return values


def update_profile(actor, user_id, **fields):
    """Change a user's departure date, risk factors, notes or cloud aliases (those given)."""
    user = get_watched_user(actor, user_id, "watchlists.manage")
    _apply_profile(actor, user, _profile_values(**fields))
    db.session.commit()
    return user


def quick_count(actor, watchlist, key, bound):
    """(count, exact): the members of a list a quick filter shows, up to `bound`."""
    from webconsole.domain.listings import catalog  # the listing refers back to this module

    listing = catalog.WATCHLISTS[watchlist]
    return listing.count(actor, listing.params(filters={"quick": key}), bound)


def quick_counts(actor, watchlist, bound):
    """{quick filter: (count, exact)} of a list."""
    keys = DEPARTING_QUICK if watchlist == "departing" else HIGH_RISK_QUICK
    return {key: quick_count(actor, watchlist, key, bound) for key in keys}


def in_scope(actor, user, permission="watchlists.view"):
    """May `actor` reach `user` with `permission`?"""
    return reaches(scope_for(actor, permission), user.org, user.id)

