"""A signed-in user's own account: profile, password, preferred language and theme."""
from flask_babel import lazy_gettext as _l

from webconsole.domain import audit
from webconsole.domain.errors import ValidationError
from webconsole.domain.passwords import hash_password, verify_password
from webconsole.domain.sessions import end_sessions
from webconsole.domain.users import validate_password
from webconsole.extensions import db


def update_own_profile(user, *, first_name, last_name, email):
    """Change one's own name and contact e-mail (the username stays)."""
    changed = audit.changes(user, {"first_name": first_name.strip(), "last_name": last_name.strip(),
                                   "email": email.strip()})
    if changed:
        audit.record("account.update", actor=user, obj=user, details={"changes": changed})
    db.session.commit()


def change_own_password(user, current, new):
    """Change one's own password, proving the current one; other sessions end."""
    if not verify_password(user.password_hash, current or ""):
        raise ValidationError(_l("The current password is not correct."), field="current",
                              code="account.wrong_password")
    validate_password(new)
    user.password_hash = hash_password(new)
    end_sessions([user.id], keep=user.session_id)
    audit.record("account.password", actor=user, obj=user)
    db.session.commit()


def _remember(user, field, value, event_type):
    """Keep one of the user's own preferences on the account, audited when it changes."""
    changed = audit.changes(user, {field: value})
    if changed:
        audit.record(event_type, actor=user, obj=user, details={"changes": changed})
    db.session.commit()


def set_preferred_locale(user, locale):
    """Remember the user's language, used wherever they sign in without a language cookie."""
    _remember(user, "locale", locale, "account.locale")


THEMES = ("system", "light", "dark")


def set_preferred_theme(user, theme):
    """Remember the user's colour theme ("system" follows the device), used where no theme cookie is set."""
    if theme not in THEMES:
        raise ValidationError(_l("Choose a theme from the list."), field="theme", code="validation.choice")
    _remember(user, "theme", None if theme == "system" else theme, "account.theme")
