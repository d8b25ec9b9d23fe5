"""User Activity: one user's profile for an investigator: watchlists, risk profile, alerts, cases,
devices, file events and security events."""
from dataclasses import dataclass

from sqlalchemy import false, func, or_, select

from webconsole.domain import watchlists
from webconsole.domain.events import LIST_COLUMNS
from webconsole.domain.scope import restrict, scope_for
from webconsole.domain.users import get_user
from webconsole.extensions import db
from webconsole.models import AuditEvent, Device, FileEvent, User
from webconsole.models.alerts import Alert
from webconsole.models.cases import Case
from webconsole.models.watchlists import WatchlistMember

# What the profile lists of a user's alerts and cases, and of the counts it shows: bounded, so a
# user with a hundred thousand alerts costs what one with ten does.
LATEST = 5
COUNT_BOUND = 1000
OPEN_STATES = ("open", "in_progress", "pending")
# Security events: the user's own sign-ins and password changes, and administrators' changes to them.
OWN_SECURITY_EVENTS = ("signin", "signin.failed", "signout", "account.password", "account.signout_everywhere",
                       "signin.2fa_failed", "signin.2fa_recovery", "account.2fa_enrol", "account.2fa_disable")
ADMIN_SECURITY_EVENTS = ("user.roles", "user.password_reset", "user.2fa_reset", "user.block", "user.unblock",
                         "user.deactivate", "user.reactivate", "user.move", "watchlist.add", "watchlist.remove",
                         "watchlist.profile")


def user_of(actor, user_id):
    """The user whose activity `actor` may search; NotFound otherwise."""
    return get_user(actor, user_id, "forensics.search")


def event_list(actor, params):
    """The list query of one user's file events (the `user` filter), newest first by default; without
    a user (the page then offers a choice of users), no rows."""
    if params.filters.get("user") is None:
        return select(*LIST_COLUMNS).where(false())
    user = user_of(actor, params.filters.get("user"))
    return select(*LIST_COLUMNS).where(FileEvent.user_id == user.id)


def devices_of(user):
    """The user's devices, by name."""
    return db.session.scalars(select(Device).where(Device.user_id == user.id).order_by(Device.name)).all()


def pick_users(actor, q):
    """Users whose activity `actor` may search, matching `q` (search as you type)."""
    return watchlists.pick_users(actor, q, "forensics.search")


def watched_users(actor, limit=10):
    """The watched users `actor` may see, latest added first (a starting point for the picker)."""
    if not scope_for(actor, "watchlists.view").allowed:
        return []
    stmt = (select(User.id, User.username, User.first_name, User.last_name, WatchlistMember.watchlist)
            .join(User, User.id == WatchlistMember.user_id))
    stmt = restrict(stmt, scope_for(actor, "watchlists.view"), org_column=User.org_id, user_column=User.id)
    stmt = restrict(stmt, scope_for(actor, "forensics.search"), org_column=User.org_id, user_column=User.id)
    return db.session.execute(stmt.order_by(WatchlistMember.added_at.desc(), WatchlistMember.id.desc())
                              .limit(limit)).all()


@dataclass
class Alerts:
    open_count: int  # open, in progress or pending, up to COUNT_BOUND
    exact: bool
    latest: list


def alerts_of(user):
    """The user's unresolved alerts (counted up to COUNT_BOUND) and the latest few of any state."""
    unresolved = (select(Alert.id).where(Alert.user_id == user.id, Alert.state.in_(OPEN_STATES))
                  .limit(COUNT_BOUND + 1).subquery())
    n = db.session.scalar(select(func.count()).select_from(unresolved))
    latest = db.session.scalars(select(Alert).where(Alert.user_id == user.id).order_by(Alert.id.desc())
                                .limit(LATEST)).all()
    return Alerts(min(n, COUNT_BOUND), n <= COUNT_BOUND, latest)


def cases_of(user):
    """The latest cases about the user."""
    return db.session.scalars(select(Case).where(Case.subject_user_id == user.id).order_by(Case.id.desc())
                              .limit(LATEST)).all()


def security_events(user, limit=20):
    """The user's latest security events from the audit log: their sign-ins and password changes, and
    what administrators changed of their account (roles, password, block, watchlists)."""
    own = (select(AuditEvent.id).where(AuditEvent.actor_id == user.id,
                                       AuditEvent.event_type.in_(OWN_SECURITY_EVENTS))
           .order_by(AuditEvent.at.desc()).limit(limit))
    done_to = (select(AuditEvent.id).where(AuditEvent.event_type.in_(ADMIN_SECURITY_EVENTS),
                                           AuditEvent.object_type == "user", AuditEvent.object_id == user.uid)
               .order_by(AuditEvent.at.desc()).limit(limit))
    ids = [*db.session.scalars(own), *db.session.scalars(done_to)]
    if not ids:
        return []
    return db.session.scalars(select(AuditEvent).where(or_(AuditEvent.id.in_(ids)))
                              .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)).all()
