"""The enrolment gate: a user whose org requires two-factor sign-in, and who signed in without an
authenticator, can reach only the enrolment page (and sign out) until they have set one up."""
from flask import redirect, request, session, url_for
from flask_login import current_user

# Set in the cookie session at sign-in (it is signed: the browser cannot drop it) and cleared on enrolment.
ENROL_FLAG = "2fa_enrol"
ALLOWED = {"account.two_factor", "account.two_factor_start", "account.two_factor_confirm",
           "account.two_factor_cancel", "account.set_locale", "account.set_theme", "auth.signout", "static"}


def enrol_endpoint():
    """Where a user who must set up two-factor sign-in is sent."""
    return "account.two_factor"


def init_app(app):
    @app.before_request
    def require_enrolment():
        # The session flag is read first, so every other request costs nothing here.
        if not session.get(ENROL_FLAG) or request.endpoint in ALLOWED or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            session.pop(ENROL_FLAG, None)
            return None
        target = url_for(enrol_endpoint())
        if request.headers.get("HX-Request") == "true":
            return "", 403, {"HX-Redirect": target}
        return redirect(target)
