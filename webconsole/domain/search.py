"""Global search: users, devices, orgs and destinations by partial name, e-mail, GUID or hostname."""
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from webconsole.domain.queries import text_matches
from webconsole.domain.scope import restrict, scope_for
from webconsole.extensions import db
from webconsole.models import Destination, Device, Org, User

MIN_LENGTH = 2


@dataclass
class Results:
    users: list = field(default_factory=list)
    devices: list = field(default_factory=list)
    orgs: list = field(default_factory=list)
    destinations: list = field(default_factory=list)
    exact: tuple | None = None  # ("device" | "user" | "org", id) when q is exactly a GUID
    # Users found for their activity (an investigator's): they open User Activity, not the user's page.
    users_for_activity: bool = False

    def __bool__(self):
        return bool(self.users or self.devices or self.orgs or self.destinations)


def _contains(q, *columns):
    return or_(*[c.icontains(q, autoescape=True) for c in columns])


def _user_permission(actor):
    """How `actor` sees users: as their administrator, else as an investigator of their activity; None."""
    return next((p for p in ("users.view", "forensics.search") if scope_for(actor, p).allowed), None)


def can_search(actor):
    """Can a search by `actor` find anything at all? (If not, the console offers none.)"""
    return _user_permission(actor) is not None or any(
        scope_for(actor, p).allowed for p in ("devices.view", "orgs.view", "dashboard.view"))


def search(actor, q, limit=5):
    """The first `limit` matches of each kind that `actor` may see; a whole GUID is an exact match."""
    q = " ".join((q or "").split())[:200]
    found = Results()
    if len(q) < MIN_LENGTH:
        return found
    if scope_for(actor, "devices.view").allowed:
        stmt = restrict(select(Device.id, Device.name, Device.hostname, Device.guid, Device.os, User.username)
                        .join(User, User.id == Device.user_id)
                        .where(or_(Device.guid == q, text_matches(Device, q))),
                        scope_for(actor, "devices.view"), org_column=Device.org_id, user_column=Device.user_id)
        found.devices = db.session.execute(stmt.order_by(Device.name, Device.id).limit(limit)).all()
    user_permission = _user_permission(actor)
    if user_permission is not None:
        stmt = restrict(select(User.id, User.username, User.first_name, User.last_name, User.uid)
                        .where(or_(User.uid == q, text_matches(User, q))),
                        scope_for(actor, user_permission), org_column=User.org_id, user_column=User.id)
        found.users = db.session.execute(stmt.order_by(User.username, User.id).limit(limit)).all()
        found.users_for_activity = user_permission == "forensics.search"
    if scope_for(actor, "orgs.view").allowed:
        stmt = restrict(select(Org.id, Org.name, Org.uid, Org.ext_ref)
                        .where(or_(Org.uid == q, _contains(q, Org.name, Org.ext_ref))),
                        scope_for(actor, "orgs.view"), org_column=Org.id)
        found.orgs = db.session.execute(stmt.order_by(Org.name, Org.id).limit(limit)).all()
    if scope_for(actor, "dashboard.view").allowed:
        found.destinations = db.session.execute(
            select(Destination.id, Destination.name, Destination.guid)
            .where(or_(Destination.guid == q, _contains(q, Destination.name, Destination.location)))
            .order_by(Destination.name).limit(limit)).all()
    for kind, rows, guid in (("device", found.devices, "guid"), ("user", found.users, "uid"),
                             ("org", found.orgs, "uid")):
        match = next((r for r in rows if getattr(r, guid) == q), None)
        if match is not None:
            found.exact = (kind, match.id)
            break
    return found
