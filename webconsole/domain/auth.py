"""Signing in and out: credential checks, throttling, and their audit entries."""
import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from webconsole.domain import audit, properties, sessions
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


# How much further than one (account, address) pair the account-wide and per-address limits go.
WIDER_LIMIT_FACTOR = 4
# An address the account signed in from within this many days is trusted past the account-wide limit.
TRUSTED_ADDRESS_DAYS = 30


def _throttled(username, address, now):
    """Is sign-in paused for this account from this address?

    The policy (README, docs/security.md): within the window, `signin.max_failures` failures for one
    account from one address pause that pair; four times as many for one account from any addresses
    pause the account, except from addresses it signed in from lately; four times as many from one
    address over any accounts pause that address. So guessing stays bounded per account, while a
    guesser elsewhere cannot keep the real user out of their usual address.
    """
    window = timedelta(minutes=properties.value("signin.window_minutes"))
    limit = properties.value("signin.max_failures")
    failures = select(func.count()).select_from(SignInAttempt).where(
        SignInAttempt.succeeded.is_(False),
        SignInAttempt.at > now - window,
    )
    for_user = SignInAttempt.username == username
    if db.session.scalar(failures.where(for_user, SignInAttempt.address == address)) >= limit:
        return True
    if db.session.scalar(failures.where(SignInAttempt.address == address)) >= WIDER_LIMIT_FACTOR * limit:
        return True
    if db.session.scalar(failures.where(for_user)) < WIDER_LIMIT_FACTOR * limit:
        return False
    trusted = select(SignInAttempt.id).where(
        for_user, SignInAttempt.address == address, SignInAttempt.succeeded.is_(True),
        SignInAttempt.at > now - timedelta(days=TRUSTED_ADDRESS_DAYS)).limit(1)
    return db.session.scalar(trusted) is None


# py42 and code42cli send every refused request a second time by themselves: the same wrong password
# from the same address within this many seconds is that resend, and costs no second failure.
RESEND_SECONDS = 60


def _digest(username, password):
    """A keyed digest of a tried username and password: equal for a resend, useless without the key."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{username}\0{password}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def _resent(username, address, digest, now):
    return db.session.scalar(select(SignInAttempt.id).where(
        SignInAttempt.username == username, SignInAttempt.address == address, SignInAttempt.digest == digest,
        SignInAttempt.succeeded.is_(False), SignInAttempt.at > now - timedelta(seconds=RESEND_SECONDS)).limit(1))


def check_credentials(username, password, address):
    """The active user with these credentials; failures are throttled, recorded and audited (a client's own
    resend of the same refused attempt is recorded once)."""
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
    from webconsole.domain.sso_providers import governing_provider  # imports users, which imports this

    if user is not None and governing_provider(user) is not None:
        # Their org signs in through its identity provider: no password opens it (docs/security.md).
        audit.record("signin.failed", actor=user, address=address, obj=user,
                     details={"reason": "single sign-on required"})
        db.session.commit()
        raise SignInRefused(_l("Your organization signs in through single sign-on: use the “Sign in with” "
                               "button instead of a password."), code="auth.sso_required")
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        digest = _digest(username, password or "")
        if _resent(username, address, digest, now) is None:
            db.session.add(SignInAttempt(username=username, address=address, at=now, succeeded=False, digest=digest))
            reason = "bad credentials" if not ok or user is None else "account not active"
            audit.record("signin.failed", actor=user, actor_username=username, address=address,
                         object_type="user", object_label=username, details={"reason": reason})
            db.session.commit()
        raise SignInRefused(_l("The username or password is not correct, or the account may not sign in."))
    db.session.add(SignInAttempt(username=username, address=address, at=now, succeeded=True))
    return user


def sign_in(username, password, address, user_agent=""):
    """Check credentials, open a session and return its user; raise SignInThrottled or SignInRefused."""
    user = check_credentials(username, password, address)
    sessions.start_session(user, address, user_agent)
    user.last_signin_at = utcnow()
    audit.record("signin", actor=user, address=address, obj=user)
    db.session.commit()
    return user


def sign_out(user, address):
    """End the user's current session, and record that they signed out."""
    sessions.end_session(user)
    audit.record("signout", actor=user, address=address, obj=user)
    db.session.commit()

