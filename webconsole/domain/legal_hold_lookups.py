"""Legal hold as the Code42 clients ask for it: matters, policies and memberships looked up by their UIDs,
and the memberships' and the matters' history as listings (domain.listings.catalog) the API pages through.

Everything is scoped as webconsole.domain.legal_hold scopes it: matters in the actor's org scope for
legalhold.manage, custodians among the users that scope reaches.
"""
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.domain.errors import NotFound
from webconsole.domain.legal_hold import get_matter, get_policy, hold_scope
from webconsole.domain.scope import reaches, restrict
from webconsole.extensions import db
from webconsole.models import Custodian, HoldEvent, Matter, PreservationPolicy, User


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
    if not reaches(hold_scope(actor), user.org, user.id):
        raise NotFound(_l("No such custodian."))
    return row, matter


def membership_list(actor, params):
    """Select of memberships in matters `actor` reaches, of users they reach: filtered by matter, user,
    state (active, removed) and membership UID (the API's LegalHoldMembership search)."""
    stmt = (select(Custodian.id, Custodian.uid, Custodian.active, Custodian.created_at, Custodian.matter_id,
                   Custodian.user_id, User.username)
            .join(User, User.id == Custodian.user_id).join(Matter, Matter.id == Custodian.matter_id))
    stmt = restrict(stmt, hold_scope(actor), org_column=Matter.org_id)
    stmt = restrict(stmt, hold_scope(actor), org_column=User.org_id, user_column=User.id)
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
    stmt = restrict(stmt, hold_scope(actor), org_column=Matter.org_id)
    f = params.filters
    if f.get("matter"):
        stmt = stmt.where(HoldEvent.matter_id == f["matter"])
    if f.get("since"):
        stmt = stmt.where(HoldEvent.at >= datetime.combine(f["since"], time.min))
    if f.get("until"):
        stmt = stmt.where(HoldEvent.at <= datetime.combine(f["until"], time.max))
    return stmt
