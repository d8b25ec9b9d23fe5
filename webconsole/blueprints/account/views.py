from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from webconsole.blueprints.account import bp
from webconsole.domain.devices import backup_summary, devices_of
from webconsole.extensions import db
from webconsole.web.i18n import COOKIE, valid_locale
from webconsole.web.permissions import public, signed_in
from webconsole.web.urls import local_path

ONE_YEAR = 365 * 24 * 3600


@bp.get("/profile")
@signed_in
def profile():
    """My Profile: who I am, my org and roles, and my devices' backup summary."""
    devices = db.session.scalars(devices_of(current_user.id)).all()
    return render_template("account/profile.html", devices=devices, summary=backup_summary(devices))


@bp.post("/locale")
@public
def set_locale():
    """Remember the chosen language in a cookie, then show the same page in it."""
    locale = valid_locale(request.form.get("locale", ""))
    if locale is None:
        abort(400)
    if request.headers.get("HX-Request") == "true":
        response = make_response("", 204, {"HX-Refresh": "true"})
    else:
        response = redirect(local_path(request.form.get("next", "")) or url_for("home.index"))
    response.set_cookie(COOKIE, locale, max_age=ONE_YEAR, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response
