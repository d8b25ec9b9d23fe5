"""Signed-in sessions, kept on the server: started at sign-in, ended by signing out, a password
change, blocking or deactivation, and listed (and ended) from My Profile."""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from webconsole.domain import audit
from webconsole.domain.errors import NotFound
from webconsole.extensions import db
from webconsole.models import User, UserSession
from webconsole.models.base import utcnow

# "Last seen" is written at most this often per session, so a signed-in request costs one indexed
# read and no write.
SEEN_EVERY = timedelta(minutes=5)
# A session unused this long has ended (a browser closed without signing out leaves one behind).
IDLE_LIMIT = timedelta(days=30)


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user, address, user_agent):
    """Open a session for `user` (in the caller's transaction); the user object carries its token."""
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=_digest(token), address=(address or "")[:64],
                      user_agent=" ".join((user_agent or "").split())[:255])
    db.session.add(row)
    db.session.flush()
    user.session_token, user.session_id = token, row.id
    return token


def load_session_user(token):
    """The active user whose session this token opens, or None (signed out, blocked, deactivated)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    row = db.session.execute(select(UserSession.id, UserSession.last_seen_at, User)
                             .join(User, User.id == UserSession.user_id)
                             .where(UserSession.token_hash == _digest(token))).first()
    if row is None or not row.User.is_active:
        return None
    session_id, last_seen, user = row
    now = utcnow()
    if now - last_seen > IDLE_LIMIT:
        return None
    if now - last_seen > SEEN_EVERY:
        db.session.execute(update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now))
        db.session.commit()
    user.session_token, user.session_id = token, session_id
    return user


def end_session(user):
    """End the session `user` was loaded for (signing out)."""
    if user.session_id is not None:
        db.session.execute(delete(UserSession).where(UserSession.id == user.session_id))


def end_sessions(user_ids, keep=None):
    """End every session of these users (a list or a select of ids), except the one with id `keep`."""
    stmt = delete(UserSession).where(UserSession.user_id.in_(user_ids))
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount


def prune_idle_sessions(now=None):
    """Delete sessions unused for longer than IDLE_LIMIT (they no longer open); returns how many."""
    cutoff = (now or utcnow()) - IDLE_LIMIT
    return db.session.execute(delete(UserSession).where(UserSession.last_seen_at < cutoff)).rowcount


def sessions_of(user):
    """The user's sessions, most recently seen first."""
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).all()


def sign_out_session(user, session_id):
    """End one of the user's own sessions from My Profile; audited."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_l("No such session."))
    audit.record("account.session_end", actor=user, obj=user,
                 details={"address": row.address, "user_agent": row.user_agent})
    db.session.delete(row)
    db.session.commit()


def sign_out_everywhere(user):
    """End every session of the user, this one included; audited with how many ended."""
    ended = end_sessions([user.id])
    audit.record("account.signout_everywhere", actor=user, obj=user, details={"sessions": ended})
    db.session.commit()
    return ended
