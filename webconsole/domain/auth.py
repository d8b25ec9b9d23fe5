"""Signing in and out: credential checks, throttling, and their audit entries."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webconsole.domain import audit, properties
from webconsole.domain.errors import DomainError
from webconsole.domain.passwords import verify_password
from webconsole.extensions import db
from webconsole.models import SignInAttempt, User
from webconsole.models.base import utcnow


class SignInRefused(DomainError):
    """Wrong credentials, or an account that may not sign in; the message does not say which."""

    code = "auth.refused"


class SignInThrottled(DomainError):
    """Too many recent failures for this account or from this address."""

    code = "auth.throttled"


def normalise_username(username):
    """Usernames are e-mail addresses and compare case-insensitively."""
    return (username or "").strip().lower()


def _throttled(username, address, now):
    window = timedelta(minutes=properties.value("signin.window_minutes"))
    limit = properties.value("signin.max_failures")
    failures = select(func.count()).select_from(SignInAttempt).where(
        SignInAttempt.succeeded.is_(False),
        SignInAttempt.at > now - window,
    )
    by_user = db.session.scalar(failures.where(SignInAttempt.username == username))
    by_address = db.session.scalar(failures.where(SignInAttempt.address == address))
    return by_user >= limit or by_address >= limit


def check_credentials(username, password, address):
    """The active user with these credentials; failures are throttled, recorded and audited."""
    username = normalise_username(username)
    now = utcnow()
    if _throttled(username, address, now):
        audit.record("signin.throttled", address=address, actor_username=username,
                     object_type="user", object_label=username)
        db.session.commit()
        minutes = properties.value("signin.window_minutes")
        raise SignInThrottled(_l("Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                                 minutes=minutes))
    user = db.session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        db.session.add(SignInAttempt(username=username, address=address, at=now, succeeded=False))
        reason = "bad credentials" if not ok or user is None else "account not active"
        audit.record("signin.failed", actor=user, actor_username=username, address=address,
                     object_type="user", object_label=username, details={"reason": reason})
        db.session.commit()
        raise SignInRefused(_l("The username or password is not correct, or the account may not sign in."))
    db.session.add(SignInAttempt(username=username, address=address, at=now, succeeded=True))
    return user


def sign_in(username, password, address):
    """Check credentials and return the user; raise SignInThrottled or SignInRefused."""
    user = check_credentials(username, password, address)
    user.last_signin_at = utcnow()
    audit.record("signin", actor=user, address=address, obj=user)
    db.session.commit()
    return user


def sign_out(user, address):
    """Record that the user signed out."""
    audit.record("signout", actor=user, address=address, obj=user)
    db.session.commit()


def load_session_user(session_id):
    """The user behind a session id "<id>.<version>", or None when the session is no longer valid."""
    user_id, _, version = (session_id or "").partition(".")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user

