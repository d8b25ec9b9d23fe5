"""User Activity: one user's file events, devices and exposure, for an investigator."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from webconsole.domain.errors import NotFound
from webconsole.domain.forensics import COLUMNS
from webconsole.domain.scope import reaches, scope_for
from webconsole.extensions import db
from webconsole.models import Device, FileEvent, User


def user_of(actor, user_id):
    """The user whose activity `actor` may search; NotFound otherwise."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        user = None
    if user is None or not reaches(scope_for(actor, "forensics.search"), user.org, user.id):
        raise NotFound(_l("No such user."))
    return user


def event_list(actor, params):
    """The list query of one user's file events (the `user` filter), newest first by default."""
    user = user_of(actor, params.filters.get("user"))
    return select(*COLUMNS).where(FileEvent.user_id == user.id)


def devices_of(user):
    """The user's devices, by name."""
    return db.session.scalars(select(Device).where(Device.user_id == user.id).order_by(Device.name)).all()
