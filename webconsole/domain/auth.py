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


class SecondFactorRequired(SignInRefused):
    """The password was right, but the account signs in with a second factor too, and none was given."""

    code = "auth.two_factor_required"


class EnrolmentRequired(SignInRefused):
    """The account's org requires two-factor sign-in, and the account has no authenticator yet: the browser
    signs in to enrol, other doors are refused."""

    code = "auth.two_factor_enrolment_required"


def _refuse(user, username, address, tried, now, event, reason):
    """Record a failed attempt (once for a client's own resend of it) and audit it."""
    digest = _digest(username, tried)
    if _resent(username, address, digest, now) is None:
        db.session.add(SignInAttempt(username=username, address=address, at=now, succeeded=False, digest=digest))
        audit.record(event, actor=user, actor_username=username, address=address,
                     object_type="user", object_label=username, details={"reason": reason})
        db.session.commit()


def _check_throttle(username, address, now):
    if _throttled(username, address, now):
        audit.record("signin.throttled", address=address, actor_username=username,
                     object_type="user", object_label=username)
        db.session.commit()
        minutes = properties.value("signin.window_minutes")
        raise SignInThrottled(_l("Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                                 minutes=minutes))


def check_password(username, password, address):
    """The active user with these credentials, before any second factor; failures are throttled, recorded
    and audited (a client's own resend of the same refused attempt is recorded once)."""
    username = normalise_username(username)
    now = utcnow()
    _check_throttle(username, address, now)
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
        reason = "bad credentials" if not ok or user is None else "account not active"
        _refuse(user, username, address, password or "", now, "signin.failed", reason)
        raise SignInRefused(_l("The username or password is not correct, or the account may not sign in."))
    return user


def check_second_factor(user, code, address):
    """Accept the second factor of a user whose password was right (the code is spent); a wrong code counts
    as a failed sign-in, under the same throttling as a wrong password, so codes cannot be guessed."""
    from webconsole.domain import two_factor  # imported here: it needs modules that import this one

    now = utcnow()
    _check_throttle(user.username, address, now)
    kind = two_factor.verify(user, code)
    if kind is None:
        # Prefixed so that a wrong code and a wrong password never pass for each other's resend.
        _refuse(user, user.username, address, "2fa\0" + (code or "")[:64], now, "signin.2fa_failed", "bad code")
        raise SignInRefused(_l("The code is not correct, or it was used already."), field="code",
                            code="auth.two_factor_refused")
    if kind == "recovery":
        audit.record("signin.2fa_recovery", actor=user, address=address, obj=user,
                     details={"left": two_factor.recovery_codes_left(user)})
    return user


def accept_sign_in(user, address):
    """Record a complete sign-in for throttling (it makes the address one the account is known from)."""
    db.session.add(SignInAttempt(username=user.username, address=address, at=utcnow(), succeeded=True))


def check_credentials(username, password, address, code=None):
    """The active user with these credentials and, when their account has an authenticator, this code:
    for the doors that sign in in one call (the API's token call)."""
    from webconsole.domain import two_factor  # imported here: it needs modules that import this one

    user = check_password(username, password, address)
    if two_factor.enrolled(user):
        if not code:
            raise SecondFactorRequired(_l("Two-factor sign-in: send the current code from your authenticator app."))
        check_second_factor(user, code, address)
    elif two_factor.must_enrol(user):
        raise EnrolmentRequired(_l("Your organization requires two-factor sign-in: sign in to the console and "
                                   "set it up in My Profile first."))
    accept_sign_in(user, address)
    return user


def check_device_credentials(username, password, address):
    """The active user with these credentials, for an agent registering a device: agents have no way to
    ask for a code, and a registration opens no console session."""
    user = check_password(username, password, address)
    accept_sign_in(user, address)
    return user


def start_signed_in(user, address, user_agent=""):
    """Open a session for a user who passed every factor, and audit the sign-in."""
    sessions.start_session(user, address, user_agent)
    user.last_signin_at = utcnow()
    audit.record("signin", actor=user, address=address, obj=user)
    db.session.commit()
    return user


def begin_sign_in(username, password, address, user_agent=""):
    """The browser's first step, the password: returns (user, step). Step "code": the account has an
    authenticator, no session is open yet and the code is asked next (finish_sign_in). Otherwise a session
    is open, and step "enrol" says the user's org requires two-factor sign-in they must set up first."""
    from webconsole.domain import two_factor  # imported here: it needs modules that import this one

    user = check_password(username, password, address)
    if two_factor.enrolled(user):
        return user, "code"
    accept_sign_in(user, address)
    start_signed_in(user, address, user_agent)
    return user, "enrol" if two_factor.must_enrol(user) else None


def finish_sign_in(user_id, code, address, user_agent=""):
    """The browser's second step: the code of the user who gave their password moments ago; opens the
    session and returns the user, or raises SignInRefused / SignInThrottled."""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active:
        raise SignInRefused(_l("The username or password is not correct, or the account may not sign in."))
    check_second_factor(user, code, address)
    accept_sign_in(user, address)
    return start_signed_in(user, address, user_agent)


def sign_in(username, password, address, user_agent="", code=None):
    """Check every factor, open a session and return its user; raise SignInThrottled or SignInRefused."""
    return start_signed_in(check_credentials(username, password, address, code), address, user_agent)


def sign_out(user, address):
    """End the user's current session, and record that they signed out."""
    sessions.end_session(user)
    audit.record("signout", actor=user, address=address, obj=user)
    db.session.commit()

