"""User Activity: one user's file events, devices and exposure, for an investigator."""
from sqlalchemy import select

from webconsole.domain.events import LIST_COLUMNS
from webconsole.domain.users import get_user
from webconsole.extensions import db
from webconsole.models import Device, FileEvent


def user_of(actor, user_id):
    """The user whose activity `actor` may search; NotFound otherwise."""
    return get_user(actor, user_id, "forensics.search")


def event_list(actor, params):
    """The list query of one user's file events (the `user` filter), newest first by default."""
    user = user_of(actor, params.filters.get("user"))
    return select(*LIST_COLUMNS).where(FileEvent.user_id == user.id)


def devices_of(user):
    """The user's devices, by name."""
    return db.session.scalars(select(Device).where(Device.user_id == user.id).order_by(Device.name)).all()
