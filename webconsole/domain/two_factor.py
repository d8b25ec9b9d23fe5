"""Two-factor sign-in with TOTP (RFC 6238): enrolment from My Profile, one-time recovery codes, the org
setting that requires a second factor (inherited down the tree), and an administrator's reset.

The secret is sealed with the server's master key (domain.keystore). A code is accepted in the 30-second
window it belongs to or the one either side (clocks drift), and only once: the window of the last code
accepted is kept, and a code from it or an earlier one is a replay. What a failed code costs at sign-in
(the same throttling as a wrong password) is domain.auth's business.
"""
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

# Modules, not names: auth imports this module, and keystore and users import auth in turn.
from webconsole.domain import audit, keystore, orgs, users
from webconsole.domain.errors import ValidationError
from webconsole.domain.passwords import verify_password
from webconsole.extensions import db
from webconsole.models import Org, RecoveryCode, TwoFactor, User
from webconsole.models.base import utcnow

ISSUER = "Webconsole"
STEP_SECONDS = 30
# Windows either side of the current one whose code is still accepted (a phone's clock a little off).
DRIFT_STEPS = 1
RECOVERY_CODES = 10
# Recovery codes: 12 characters without look-alikes (no 0/o, 1/l/i), about 59 bits, shown as xxxx-xxxx-xxxx.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# Longer input is neither a code nor a recovery code; refusing it early keeps hashing bounded.
MAX_CODE_LENGTH = 32


def record_of(user):
    """The user's authenticator record (pending or enrolled), or None."""
    return db.session.get(TwoFactor, user.id)


def enrolled(user):
    """Has the user confirmed an authenticator?"""
    record = record_of(user)
    return record is not None and record.enrolled_at is not None


def requiring_org(org):
    """The org (this one or the nearest ancestor) that requires two-factor sign-in here, or None."""
    ids = [int(part) for part in org.path.strip("/").split("/") if part.isdigit()] or [org.id]
    return db.session.scalars(select(Org).where(Org.id.in_(ids), Org.require_two_factor.is_(True))
                              .order_by(func.length(Org.path).desc()).limit(1)).first()


def required_for(user):
    """Must the user sign in with a second factor (their org or an ancestor requires it)?"""
    return requiring_org(user.org) is not None


def must_enrol(user):
    """Is the user required to use two-factor sign-in but not enrolled yet?"""
    return required_for(user) and not enrolled(user)


def login_type(username):
    """What the API's LoginConfiguration answers: LOCAL_2FA for a user with an authenticator and for an
    unknown username (as Code42's server does, so the answer tells nobody which usernames exist)."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip().lower()))
    return "LOCAL_2FA" if user is None or enrolled(user) else "LOCAL"


def _clean(code):
    """The code as typed, without spaces or dashes and in lower case; '' when it cannot be one."""
    code = "".join((code or "").split()).replace("-", "").lower()
    return code if 0 < len(code) <= MAX_CODE_LENGTH else ""


def _matching_step(secret, code, now):
    """The time step within the accepted drift whose code this is, or None."""
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _accept_code(record, code, now=None):
    """Accept an authenticator code once: True, and its window becomes the last used; False otherwise."""
    if not (len(code) == 6 and code.isdigit()):
        return False
    step = _matching_step(keystore.unseal(record.sealed_secret), code, time.time() if now is None else now)
    if step is None or (record.last_step is not None and step <= record.last_step):
        return False
    record.last_step = step
    return True


def _recovery_digest(user_id, code):
    return hashlib.sha256(f"{user_id}:{code}".encode()).hexdigest()


def _use_recovery_code(user, code):
    """Spend one unused recovery code: True when it was one."""
    if len(code) != 12 or any(c not in _ALPHABET for c in code):
        return False
    row = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _recovery_digest(user.id, code),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def verify(user, code, now=None):
    """Check an enrolled user's second factor: "totp" or "recovery" for an accepted code (spent, in the
    caller's transaction), None otherwise."""
    record = record_of(user)
    code = _clean(code)
    if record is None or record.enrolled_at is None or not code:
        return None
    if _accept_code(record, code, now):
        return "totp"
    return "recovery" if _use_recovery_code(user, code) else None


def _wrong_code(field="code"):
    return ValidationError(_l("The code is not correct. Enter the current 6-digit code from your authenticator "
                              "app."), field=field, code="two_factor.wrong_code")


def start_enrolment(user):
    """A pending authenticator for the user (a new secret the first time; the same one until confirmed)."""
    record = record_of(user)
    if record is not None and record.enrolled_at is not None:
        raise ValidationError(_l("Two-factor sign-in is on already."), code="two_factor.enrolled")
    if record is None:
        record = TwoFactor(user_id=user.id, sealed_secret=keystore.seal(pyotp.random_base32()))
        db.session.add(record)
        db.session.commit()
    return record


def status(user):
    """What My Profile shows: state ("off", "pending" or "on"), since when, recovery codes left, and the org
    that requires two-factor sign-in (None when none does)."""
    record = record_of(user)
    state = "off" if record is None else ("pending" if record.enrolled_at is None else "on")
    return {"state": state, "enrolled_at": record.enrolled_at if record else None,
            "codes_left": recovery_codes_left(user) if state == "on" else 0, "required_by": requiring_org(user.org)}


def provisioning(user, record):
    """What an authenticator app needs: the secret as text, its otpauth:// URI, and the URI as an SVG QR code."""
    secret = keystore.unseal(record.sealed_secret)
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=user.username, issuer_name=ISSUER)
    spaced = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, light="#fff", dark="#000")
    return {"secret": spaced, "uri": uri, "svg": svg}


def _new_recovery_codes(user):
    """Replace the user's recovery codes with RECOVERY_CODES new ones; returns them (the only time in clear)."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_ALPHABET) for _ in range(12)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_recovery_digest(user.id, c)) for c in codes)
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def confirm_enrolment(user, code, now=None):
    """Turn two-factor sign-in on once the user proves their app with a current code; returns the recovery
    codes, to be shown once."""
    record = record_of(user)
    if record is None or record.enrolled_at is not None:
        raise ValidationError(_l("Start the set-up again."), field="code", code="two_factor.not_pending")
    if not _accept_code(record, _clean(code), now):
        raise _wrong_code()
    record.enrolled_at = utcnow()
    codes = _new_recovery_codes(user)
    audit.record("account.2fa_enrol", actor=user, obj=user)
    db.session.commit()
    return codes


def recovery_codes_left(user):
    """How many unused recovery codes the user has."""
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def regenerate_recovery_codes(user, code):
    """New recovery codes (the old ones stop working), for a current code; returns them, shown once."""
    if not enrolled(user) or verify(user, code) is None:
        raise _wrong_code()
    codes = _new_recovery_codes(user)
    audit.record("account.2fa_recovery_codes", actor=user, obj=user)
    db.session.commit()
    return codes


def _remove(user):
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(TwoFactor).where(TwoFactor.user_id == user.id))


def turn_off(user, secret):
    """Turn one's own two-factor sign-in off, proving it with the password or a code; refused while the
    user's org requires it."""
    org = requiring_org(user.org)
    if org is not None:
        raise ValidationError(_l("Your organization (%(name)s) requires two-factor sign-in.", name=org.name),
                              field="secret", code="two_factor.required")
    secret = (secret or "")[:1024]
    if not (verify_password(user.password_hash, secret) or verify(user, secret)):
        raise ValidationError(_l("Enter your password or a current code."), field="secret",
                              code="two_factor.wrong_code")
    _remove(user)
    audit.record("account.2fa_disable", actor=user, obj=user)
    db.session.commit()


def cancel_enrolment(user):
    """Drop a pending (unconfirmed) authenticator."""
    record = record_of(user)
    if record is not None and record.enrolled_at is None:
        _remove(user)
        db.session.commit()


def reset(actor, user_id):
    """An administrator removes a user's authenticator and recovery codes (a lost phone); the user enrols
    again, at their next sign-in if their org requires it."""
    user = users._managed(actor, user_id)
    if record_of(user) is None:
        return user
    _remove(user)
    audit.record("user.2fa_reset", actor=actor, obj=user)
    db.session.commit()
    return user


def set_required(actor, org_id, required):
    """Require (or stop requiring) two-factor sign-in for an org's users and those of every org below it."""
    org = orgs.get_org(actor, org_id, "orgs.edit")
    changed = audit.changes(org, {"require_two_factor": bool(required)})
    if changed:
        audit.record("org.update", actor=actor, obj=org, details={"changes": changed})
    db.session.commit()
    return org
